/* pin.h - keeps a benchmark on one CPU, so its timings do not include
 * migrations. */
#ifndef LAB_BENCH_PIN_H
#define LAB_BENCH_PIN_H

/* Pins the calling thread to the CPU it runs on; returns that CPU, or -1
 * with errno set. */
int bench_pin_to_current_cpu(void);

#endif /* LAB_BENCH_PIN_H */
