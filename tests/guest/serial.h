/* Output on the 8250 UART at COM1 (0x3f8), which vmm forwards to its stdout. */
#ifndef TINY_GUEST_SERIAL_H
#define TINY_GUEST_SERIAL_H

void serial_putc(char c);
void serial_puts(const char *s);

#endif
