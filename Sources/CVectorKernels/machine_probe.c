#include "machine_probe.h"
#include "vector_lanes.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define DLG_PROBE_X86 1
#endif

/// The two probes on vectors of L floats: 12 multiply-add chains, and 8 read sums.
#define PROBES(NAME, TARGET, L)                                                                 \
  typedef float NAME##_vector __attribute__((ext_vector_type(L)));                              \
  __attribute__((target(TARGET))) static double NAME##_fma(long iterations) {                   \
    /* acc = acc * b + c converges to c / (1 - b): no overflow, no denormals. */                 \
    NAME##_vector a[12];                                                                         \
    for (int j = 0; j < 12; j++) a[j] = (NAME##_vector)(0.1f * (j + 1));                         \
    for (long i = 0; i < iterations; i++)                                                        \
      for (int j = 0; j < 12; j++) a[j] = a[j] * 0.999999f + 1e-6f;                              \
    NAME##_vector s = a[0];                                                                      \
    for (int j = 1; j < 12; j++) s += a[j];                                                      \
    float lanes[L];                                                                              \
    memcpy(lanes, &s, sizeof lanes);                                                             \
    volatile float sink = lanes[0] + lanes[L - 1];                                               \
    (void)sink;                                                                                  \
    return (double)iterations * 12 * L * 2;                                                      \
  }                                                                                              \
                                                                                                 \
  __attribute__((target(TARGET))) static float NAME##_read(const float *x, long count) {        \
    NAME##_vector s[8];                                                                          \
    for (int j = 0; j < 8; j++) s[j] = (NAME##_vector)(0.0f);                                    \
    long i = 0;                                                                                  \
    for (; i + 8 * L <= count; i += 8 * L)                                                       \
      for (int j = 0; j < 8; j++) {                                                              \
        NAME##_vector v;                                                                         \
        memcpy(&v, x + i + j * L, sizeof v);                                                     \
        s[j] += v;                                                                               \
      }                                                                                          \
    for (int j = 1; j < 8; j++) s[0] += s[j];                                                    \
    float lanes[L], total = 0;                                                                   \
    memcpy(lanes, &s[0], sizeof lanes);                                                          \
    for (int j = 0; j < L; j++) total += lanes[j];                                               \
    for (; i < count; i++) total += x[i];                                                        \
    return total;                                                                                \
  }

#if DLG_PROBE_X86
PROBES(avx512, "avx512f", 16)
PROBES(avx2, "avx2,fma", 8)
#endif

static double fma_portable(long iterations) {
  float a[12] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 1.1f, 1.2f};
  for (long i = 0; i < iterations; i++)
    for (int j = 0; j < 12; j++) a[j] = a[j] * 0.999999f + 1e-6f;
  volatile float sink = a[0] + a[11];
  (void)sink;
  return (double)iterations * 12 * 2;
}

static float read_portable(const float *x, long count) {
  float s[8] = {0};
  long i = 0;
  for (; i + 8 <= count; i += 8)
    for (int j = 0; j < 8; j++) s[j] += x[i + j];
  float total = 0;
  for (int j = 0; j < 8; j++) total += s[j];
  for (; i < count; i++) total += x[i];
  return total;
}

int dlg_probe_lanes(void) { return dlg_vector_lanes(); }

double dlg_probe_fma(long iterations) {
#if DLG_PROBE_X86
  switch (dlg_probe_lanes()) {
  case 16: return avx512_fma(iterations);
  case 8: return avx2_fma(iterations);
  }
#endif
  return fma_portable(iterations);
}

float dlg_probe_read(const float *x, long count) {
#if DLG_PROBE_X86
  switch (dlg_probe_lanes()) {
  case 16: return avx512_read(x, count);
  case 8: return avx2_read(x, count);
  }
#endif
  return read_portable(x, count);
}
