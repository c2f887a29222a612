#include "panel_matmul.h"
#include "vector_lanes.h"

/// Writes one panel's sums for a row into the columns of y that exist, scaled when there are
/// scales.
static void store_row(const float *sums, const float *scales, float *y, int columns) {
  for (int j = 0; j < columns; j++) y[j] = scales ? sums[j] * scales[j] : sums[j];
}

/// The portable loop, for any element type.
#define PORTABLE_PANELS(T)                                                                     \
  for (int p = first; p < last; p++) {                                                         \
    const T *w = panels + (long)p * k * 16;                                                    \
    int columns = n - 16 * p < 16 ? n - 16 * p : 16;                                           \
    for (int r = 0; r < m; r++) {                                                              \
      float sums[16] = {0};                                                                    \
      const float *row = x + (long)r * ldx;                                                    \
      for (int i = 0; i < k; i++) {                                                            \
        for (int j = 0; j < 16; j++) sums[j] += row[i] * (float)w[(long)i * 16 + j];           \
      }                                                                                        \
      store_row(sums, scales ? scales + 16 * p : 0, y + (long)r * ldy + 16 * p, columns);      \
    }                                                                                          \
  }

static void int8_portable(int m, int k, int n, const float *x, int ldx, const int8_t *panels,
                          const float *scales, int first, int last, float *y, int ldy) {
  PORTABLE_PANELS(int8_t)
}

static void f32_portable(int m, int k, int n, const float *x, int ldx, const float *panels,
                         int first, int last, float *y, int ldy) {
  const float *scales = 0;
  PORTABLE_PANELS(float)
}

#if defined(__x86_64__)
#include <immintrin.h>

/// The 16 weights of one input row of a panel as two vectors of 8 floats: int8 sign-extended
/// and converted, f32 loaded as they are.
#define LOAD_INT8(w, lo, hi)                                                   \
  __m128i q_##lo = _mm_loadu_si128((const __m128i *)(w));                     \
  __m256 lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q_##lo));               \
  __m256 hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q_##lo, 8)))
#define LOAD_F32(w, lo, hi)                                                    \
  __m256 lo = _mm256_loadu_ps(w);                                              \
  __m256 hi = _mm256_loadu_ps((w) + 8)

__attribute__((target("avx2,fma"))) static void store_vectors(__m256 lo, __m256 hi,
                                                              const float *scales, float *y,
                                                              int columns) {
  if (scales) {
    lo = _mm256_mul_ps(lo, _mm256_loadu_ps(scales));
    hi = _mm256_mul_ps(hi, _mm256_loadu_ps(scales + 8));
  }
  if (columns == 16) {
    _mm256_storeu_ps(y, lo);
    _mm256_storeu_ps(y + 8, hi);
  } else {
    float sums[16];
    _mm256_storeu_ps(sums, lo);
    _mm256_storeu_ps(sums + 8, hi);
    store_row(sums, 0, y, columns);
  }
}

/// The AVX2 kernels of one element type. One row keeps four independent pairs of sums
/// (input rows i to i+3), so that the adds do not wait on each other's latency; six or four
/// rows share each converted weight vector.
#define AVX2_PANELS(NAME, T, LOAD)                                                               \
  __attribute__((target("avx2,fma"))) static void NAME##_one_row(int k, const float *x,          \
                                                                 const T *w, __m256 *lo,         \
                                                                 __m256 *hi) {                   \
    __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0,       \
           b3 = a0;                                                                              \
    int i = 0;                                                                                   \
    for (; i + 4 <= k; i += 4) {                                                                 \
      LOAD(w + (long)i * 16, w0, v0);                                                            \
      LOAD(w + (long)i * 16 + 16, w1, v1);                                                       \
      LOAD(w + (long)i * 16 + 32, w2, v2);                                                       \
      LOAD(w + (long)i * 16 + 48, w3, v3);                                                       \
      __m256 x0 = _mm256_broadcast_ss(x + i), x1 = _mm256_broadcast_ss(x + i + 1);               \
      __m256 x2 = _mm256_broadcast_ss(x + i + 2), x3 = _mm256_broadcast_ss(x + i + 3);           \
      a0 = _mm256_fmadd_ps(x0, w0, a0), b0 = _mm256_fmadd_ps(x0, v0, b0);                        \
      a1 = _mm256_fmadd_ps(x1, w1, a1), b1 = _mm256_fmadd_ps(x1, v1, b1);                        \
      a2 = _mm256_fmadd_ps(x2, w2, a2), b2 = _mm256_fmadd_ps(x2, v2, b2);                        \
      a3 = _mm256_fmadd_ps(x3, w3, a3), b3 = _mm256_fmadd_ps(x3, v3, b3);                        \
    }                                                                                            \
    for (; i < k; i++) {                                                                         \
      LOAD(w + (long)i * 16, w0, v0);                                                            \
      __m256 x0 = _mm256_broadcast_ss(x + i);                                                    \
      a0 = _mm256_fmadd_ps(x0, w0, a0), b0 = _mm256_fmadd_ps(x0, v0, b0);                        \
    }                                                                                            \
    *lo = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));                           \
    *hi = _mm256_add_ps(_mm256_add_ps(b0, b1), _mm256_add_ps(b2, b3));                           \
  }                                                                                              \
                                                                                                 \
  /* R rows (4 or 6, constant where it is inlined, so the sums live in registers). */          \
  __attribute__((target("avx2,fma"), always_inline)) static inline void NAME##_rows(            \
      const int R, int k, const float *x, int ldx, const T *w, __m256 *lo, __m256 *hi) {         \
    __m256 a[6], b[6];                                                                           \
    for (int t = 0; t < R; t++) a[t] = b[t] = _mm256_setzero_ps();                               \
    for (int i = 0; i < k; i++) {                                                                \
      LOAD(w + (long)i * 16, w0, v0);                                                            \
      for (int t = 0; t < R; t++) {                                                              \
        __m256 s = _mm256_broadcast_ss(x + t * (long)ldx + i);                                   \
        a[t] = _mm256_fmadd_ps(s, w0, a[t]), b[t] = _mm256_fmadd_ps(s, v0, b[t]);                \
      }                                                                                          \
    }                                                                                            \
    for (int t = 0; t < R; t++) lo[t] = a[t], hi[t] = b[t];                                      \
  }                                                                                              \
                                                                                                 \
  __attribute__((target("avx2,fma"))) static void NAME##_avx2(                                   \
      int m, int k, int n, const float *x, int ldx, const T *panels, const float *scales,       \
      int first, int last, float *y, int ldy) {                                                  \
    for (int p = first; p < last; p++) {                                                         \
      const T *w = panels + (long)p * k * 16;                                                    \
      const float *s = scales ? scales + 16 * p : 0;                                             \
      int columns = n - 16 * p < 16 ? n - 16 * p : 16;                                           \
      int r = 0;                                                                                 \
      /* Six rows a pass, then four, then one at a time. */                                     \
      for (; r + 6 <= m; r += 6) {                                                               \
        __m256 lo[6], hi[6];                                                                     \
        NAME##_rows(6, k, x + (long)r * ldx, ldx, w, lo, hi);                                    \
        for (int t = 0; t < 6; t++)                                                              \
          store_vectors(lo[t], hi[t], s, y + (long)(r + t) * ldy + 16 * p, columns);             \
      }                                                                                          \
      for (; r + 4 <= m; r += 4) {                                                               \
        __m256 lo[4], hi[4];                                                                     \
        NAME##_rows(4, k, x + (long)r * ldx, ldx, w, lo, hi);                                    \
        for (int t = 0; t < 4; t++)                                                              \
          store_vectors(lo[t], hi[t], s, y + (long)(r + t) * ldy + 16 * p, columns);             \
      }                                                                                          \
      for (; r < m; r++) {                                                                       \
        __m256 lo, hi;                                                                           \
        NAME##_one_row(k, x + (long)r * ldx, w, &lo, &hi);                                       \
        store_vectors(lo, hi, s, y + (long)r * ldy + 16 * p, columns);                           \
      }                                                                                          \
    }                                                                                            \
  }

AVX2_PANELS(int8, int8_t, LOAD_INT8)
AVX2_PANELS(f32, float, LOAD_F32)

/// The 16 weights of one input row of a panel as one vector of 16 floats.
#define LOAD512_INT8(w) _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(w))))
#define LOAD512_F32(w) _mm512_loadu_ps(w)

/// The AVX-512 kernels of one element type: a panel's 16 columns are one register, so R rows
/// (up to 16) keep R sums in registers and share every weight they load; with fewer than 8
/// rows each row keeps 8 / R sums over alternate inputs, so that eight multiply-adds are
/// always in flight. That is enough work per weight for products of up to 64 rows to beat
/// sgemm's packing (PanelMatrix.maximumRows).
#define AVX512_PANELS(NAME, T, LOAD)                                                             \
  __attribute__((target("avx512f"), always_inline)) static inline void NAME##_rows512(          \
      const int R, int k, const float *x, int ldx, const T *w, const float *scales, float *y,   \
      int ldy, int columns) {                                                                    \
    const int U = R >= 8 ? 1 : 8 / R;                                                            \
    __m512 a[16];                                                                                \
    for (int t = 0; t < R * U; t++) a[t] = _mm512_setzero_ps();                                 \
    int i = 0;                                                                                   \
    for (; i + U <= k; i += U) {                                                                 \
      for (int u = 0; u < U; u++) {                                                              \
        __m512 v = LOAD(w + (long)(i + u) * 16);                                                 \
        for (int t = 0; t < R; t++)                                                              \
          a[t * U + u] =                                                                         \
              _mm512_fmadd_ps(_mm512_set1_ps(x[t * (long)ldx + i + u]), v, a[t * U + u]);      \
      }                                                                                          \
    }                                                                                            \
    for (; i < k; i++) {                                                                         \
      __m512 v = LOAD(w + (long)i * 16);                                                         \
      for (int t = 0; t < R; t++)                                                                \
        a[t * U] = _mm512_fmadd_ps(_mm512_set1_ps(x[t * (long)ldx + i]), v, a[t * U]);          \
    }                                                                                            \
    __mmask16 mask = columns >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << columns) - 1);     \
    for (int t = 0; t < R; t++) {                                                                \
      __m512 sum = a[t * U];                                                                     \
      for (int u = 1; u < U; u++) sum = _mm512_add_ps(sum, a[t * U + u]);                       \
      if (scales) sum = _mm512_mul_ps(sum, _mm512_loadu_ps(scales));                             \
      _mm512_mask_storeu_ps(y + (long)t * ldy, mask, sum);                                       \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  __attribute__((target("avx512f"))) static void NAME##_avx512(                                  \
      int m, int k, int n, const float *x, int ldx, const T *panels, const float *scales,       \
      int first, int last, float *y, int ldy) {                                                  \
    for (int p = first; p < last; p++) {                                                         \
      const T *w = panels + (long)p * k * 16;                                                    \
      const float *s = scales ? scales + 16 * p : 0;                                             \
      int columns = n - 16 * p < 16 ? n - 16 * p : 16;                                           \
      const float *xr = x;                                                                       \
      float *yr = y + 16 * p;                                                                    \
      int r = 0;                                                                                 \
      /* Sixteen rows a pass, then the rest as 8, 4, 2 and 1. */                                \
      for (; r + 16 <= m; r += 16, xr += 16 * (long)ldx, yr += 16 * (long)ldy)                   \
        NAME##_rows512(16, k, xr, ldx, w, s, yr, ldy, columns);                                  \
      if (r + 8 <= m) {                                                                          \
        NAME##_rows512(8, k, xr, ldx, w, s, yr, ldy, columns);                                   \
        r += 8, xr += 8 * (long)ldx, yr += 8 * (long)ldy;                                        \
      }                                                                                          \
      if (r + 4 <= m) {                                                                          \
        NAME##_rows512(4, k, xr, ldx, w, s, yr, ldy, columns);                                   \
        r += 4, xr += 4 * (long)ldx, yr += 4 * (long)ldy;                                        \
      }                                                                                          \
      if (r + 2 <= m) {                                                                          \
        NAME##_rows512(2, k, xr, ldx, w, s, yr, ldy, columns);                                   \
        r += 2, xr += 2 * (long)ldx, yr += 2 * (long)ldy;                                        \
      }                                                                                          \
      if (r < m) NAME##_rows512(1, k, xr, ldx, w, s, yr, ldy, columns);                          \
    }                                                                                            \
  }

AVX512_PANELS(int8, int8_t, LOAD512_INT8)
AVX512_PANELS(f32, float, LOAD512_F32)

void dlg_int8_panels_matmul(int m, int k, int n, const float *x, int ldx, const int8_t *panels,
                            const float *scales, int first, int last, float *y, int ldy) {
  switch (dlg_vector_lanes()) {
  case 16: int8_avx512(m, k, n, x, ldx, panels, scales, first, last, y, ldy); break;
  case 8: int8_avx2(m, k, n, x, ldx, panels, scales, first, last, y, ldy); break;
  default: int8_portable(m, k, n, x, ldx, panels, scales, first, last, y, ldy);
  }
}

void dlg_f32_panels_matmul(int m, int k, int n, const float *x, int ldx, const float *panels,
                           int first, int last, float *y, int ldy) {
  switch (dlg_vector_lanes()) {
  case 16: f32_avx512(m, k, n, x, ldx, panels, 0, first, last, y, ldy); break;
  case 8: f32_avx2(m, k, n, x, ldx, panels, 0, first, last, y, ldy); break;
  default: f32_portable(m, k, n, x, ldx, panels, first, last, y, ldy);
  }
}
#else

void dlg_int8_panels_matmul(int m, int k, int n, const float *x, int ldx, const int8_t *panels,
                            const float *scales, int first, int last, float *y, int ldy) {
  int8_portable(m, k, n, x, ldx, panels, scales, first, last, y, ldy);
}

void dlg_f32_panels_matmul(int m, int k, int n, const float *x, int ldx, const float *panels,
                           int first, int last, float *y, int ldy) {
  f32_portable(m, k, n, x, ldx, panels, first, last, y, ldy);
}
#endif
