#include "machine_probe.h"
#include "vector_lanes.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define DLG_PROBE_X86 1
#endif

#if DLG_PROBE_X86
__attribute__((target("avx512f"))) static double fma_avx512(long iterations) {
  // acc = acc * b + c converges to c / (1 - b): no overflow, no denormals.
  __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
  __m512 a0 = _mm512_set1_ps(0.1f), a1 = _mm512_set1_ps(0.2f), a2 = _mm512_set1_ps(0.3f);
  __m512 a3 = _mm512_set1_ps(0.4f), a4 = _mm512_set1_ps(0.5f), a5 = _mm512_set1_ps(0.6f);
  __m512 a6 = _mm512_set1_ps(0.7f), a7 = _mm512_set1_ps(0.8f), a8 = _mm512_set1_ps(0.9f);
  __m512 a9 = _mm512_set1_ps(1.0f), a10 = _mm512_set1_ps(1.1f), a11 = _mm512_set1_ps(1.2f);
  for (long i = 0; i < iterations; i++) {
    a0 = _mm512_fmadd_ps(a0, b, c); a1 = _mm512_fmadd_ps(a1, b, c);
    a2 = _mm512_fmadd_ps(a2, b, c); a3 = _mm512_fmadd_ps(a3, b, c);
    a4 = _mm512_fmadd_ps(a4, b, c); a5 = _mm512_fmadd_ps(a5, b, c);
    a6 = _mm512_fmadd_ps(a6, b, c); a7 = _mm512_fmadd_ps(a7, b, c);
    a8 = _mm512_fmadd_ps(a8, b, c); a9 = _mm512_fmadd_ps(a9, b, c);
    a10 = _mm512_fmadd_ps(a10, b, c); a11 = _mm512_fmadd_ps(a11, b, c);
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return (double)iterations * 12 * 16 * 2;
}

__attribute__((target("avx2,fma"))) static double fma_avx2(long iterations) {
  __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
  __m256 a0 = _mm256_set1_ps(0.1f), a1 = _mm256_set1_ps(0.2f), a2 = _mm256_set1_ps(0.3f);
  __m256 a3 = _mm256_set1_ps(0.4f), a4 = _mm256_set1_ps(0.5f), a5 = _mm256_set1_ps(0.6f);
  __m256 a6 = _mm256_set1_ps(0.7f), a7 = _mm256_set1_ps(0.8f), a8 = _mm256_set1_ps(0.9f);
  __m256 a9 = _mm256_set1_ps(1.0f), a10 = _mm256_set1_ps(1.1f), a11 = _mm256_set1_ps(1.2f);
  for (long i = 0; i < iterations; i++) {
    a0 = _mm256_fmadd_ps(a0, b, c); a1 = _mm256_fmadd_ps(a1, b, c);
    a2 = _mm256_fmadd_ps(a2, b, c); a3 = _mm256_fmadd_ps(a3, b, c);
    a4 = _mm256_fmadd_ps(a4, b, c); a5 = _mm256_fmadd_ps(a5, b, c);
    a6 = _mm256_fmadd_ps(a6, b, c); a7 = _mm256_fmadd_ps(a7, b, c);
    a8 = _mm256_fmadd_ps(a8, b, c); a9 = _mm256_fmadd_ps(a9, b, c);
    a10 = _mm256_fmadd_ps(a10, b, c); a11 = _mm256_fmadd_ps(a11, b, c);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  volatile float sink = lanes[0] + lanes[7];
  (void)sink;
  return (double)iterations * 12 * 8 * 2;
}

__attribute__((target("avx512f"))) static float read_avx512(const float *x, long count) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  long i = 0;
  for (; i + 128 <= count; i += 128) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(x + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(x + i + 48));
    s4 = _mm512_add_ps(s4, _mm512_loadu_ps(x + i + 64));
    s5 = _mm512_add_ps(s5, _mm512_loadu_ps(x + i + 80));
    s6 = _mm512_add_ps(s6, _mm512_loadu_ps(x + i + 96));
    s7 = _mm512_add_ps(s7, _mm512_loadu_ps(x + i + 112));
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
                           _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
  float total = _mm512_reduce_add_ps(s);
  for (; i < count; i++) total += x[i];
  return total;
}

__attribute__((target("avx2,fma"))) static float read_avx2(const float *x, long count) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  long i = 0;
  for (; i + 64 <= count; i += 64) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(x + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(x + i + 24));
    s4 = _mm256_add_ps(s4, _mm256_loadu_ps(x + i + 32));
    s5 = _mm256_add_ps(s5, _mm256_loadu_ps(x + i + 40));
    s6 = _mm256_add_ps(s6, _mm256_loadu_ps(x + i + 48));
    s7 = _mm256_add_ps(s7, _mm256_loadu_ps(x + i + 56));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)),
                           _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7)));
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  float total = 0;
  for (int j = 0; j < 8; j++) total += lanes[j];
  for (; i < count; i++) total += x[i];
  return total;
}
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
  case 16: return fma_avx512(iterations);
  case 8: return fma_avx2(iterations);
  }
#endif
  return fma_portable(iterations);
}

float dlg_probe_read(const float *x, long count) {
#if DLG_PROBE_X86
  switch (dlg_probe_lanes()) {
  case 16: return read_avx512(x, count);
  case 8: return read_avx2(x, count);
  }
#endif
  return read_portable(x, count);
}
