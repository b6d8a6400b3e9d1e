#include "serial.h"

#include "io.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register */
#define UART_LSR 5 /* line status register */
#define UART_LSR_THRE 0x20

/* Each poll is a VM exit (~15 us); a UART that never reports THRE must not hang the guest,
 * so after this many polls the byte is written anyway. */
#define THRE_POLL_LIMIT 1000

void serial_putc(char c) {
  for (int i = 0; i < THRE_POLL_LIMIT && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); i++) {
  }
  outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_puts(const char *s) {
  for (; *s; s++) serial_putc(*s);
}
