/*
 * drivers/drivers.h - the device drivers the kernel knows, probed once at
 * boot (main.c).
 */
#ifndef DRIVERS_DRIVERS_H
#define DRIVERS_DRIVERS_H

/* Enumerates PCI and lets each driver claim its functions: the number of
 * devices brought up. */
int drivers_probe(void);

#endif
