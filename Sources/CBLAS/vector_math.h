// exp, tanh, the logistic function and GELU over float arrays, 8 lanes at a time in clang's
// vector extensions: with AVX2 and FMA (release builds) each operation is one instruction on
// 8 floats; without, the compiler splits it into SSE halves. Swift's SIMD types compile
// rounding, conversions and selects lane by lane, and glibc's expf and tanhf are scalar calls,
// which is why these live in C.
//
// exp: Cephes' expf (x = n·ln 2 + r, a degree-6 polynomial for e^r, 2^n from the exponent
// bits), within 2 ulp over [-87.3, 88.7], 0 below. tanh: Cephes' polynomial below 0.625 (exact
// near 0), 1 − 2/(e^{2|x|} + 1) above. Every element goes through the same lanes, the tail
// through a padded vector, so a value never depends on where in an array it sits.
#pragma once
#include <string.h>

typedef float dlg_v8f __attribute__((ext_vector_type(8)));
typedef int dlg_v8i __attribute__((ext_vector_type(8)));

static inline dlg_v8f dlg_v8_select(dlg_v8i mask, dlg_v8f when_true, dlg_v8f otherwise) {
  return (dlg_v8f)(((dlg_v8i)when_true & mask) | ((dlg_v8i)otherwise & ~mask));
}

static inline dlg_v8f dlg_v8_exp(dlg_v8f x) {
  dlg_v8i underflow = x < -87.33654f;
  x = dlg_v8_select(x < -87.33654f, (dlg_v8f)(-87.33654f), x);
  x = dlg_v8_select(x > 88.72283f, (dlg_v8f)(88.72283f), x);
  // Round to nearest by adding and subtracting 1.5 · 2^23.
  dlg_v8f n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
  dlg_v8f r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  dlg_v8f p = (dlg_v8f)(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  // 2^(n-1) times 2: n reaches 128 at the top, whose exponent field would be infinity's.
  dlg_v8i bits = (__builtin_convertvector(n, dlg_v8i) + 126) << 23;
  return dlg_v8_select(underflow, (dlg_v8f)(0.0f), p * (dlg_v8f)bits * 2.0f);
}

static inline dlg_v8f dlg_v8_tanh(dlg_v8f x) {
  dlg_v8i negative = x < 0.0f;
  dlg_v8f magnitude = dlg_v8_select(negative, -x, x);
  dlg_v8f z = x * x;
  dlg_v8f p = (dlg_v8f)(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  dlg_v8f small = p * z * x + x;
  dlg_v8f clamped = dlg_v8_select(magnitude > 9.1f, (dlg_v8f)(9.1f), magnitude);
  dlg_v8f large = 1.0f - 2.0f / (dlg_v8_exp(2.0f * clamped) + 1.0f);
  large = dlg_v8_select(negative, -large, large);
  return dlg_v8_select(magnitude >= 0.625f, large, small);
}

static inline dlg_v8f dlg_v8_sigmoid(dlg_v8f x) { return 1.0f / (1.0f + dlg_v8_exp(-x)); }

/// GELU, tanh form: ½ x (1 + tanh(c (x + 0.044715 x³))), c = √(2/π).
static inline dlg_v8f dlg_v8_gelu(dlg_v8f x) {
  dlg_v8f t = dlg_v8_tanh((x + 0.044715f * x * x * x) * 0.7978846f);
  return 0.5f * x * (1.0f + t);
}

/// dy · dGELU/dx.
static inline dlg_v8f dlg_v8_gelu_gradient(dlg_v8f x, dlg_v8f dy) {
  dlg_v8f square = x * x;
  dlg_v8f t = dlg_v8_tanh((x + 0.044715f * square * x) * 0.7978846f);
  dlg_v8f slope = (1.0f + 3.0f * 0.044715f * square) * 0.7978846f;
  return dy * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * slope);
}

static inline dlg_v8f dlg_v8_load(const float *p) {
  dlg_v8f v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void dlg_v8_store(float *p, dlg_v8f v) { memcpy(p, &v, sizeof v); }

/// The first n (< 8) floats of p in a vector whose other lanes are `fill`.
static inline dlg_v8f dlg_v8_load_tail(const float *p, long n, float fill) {
  float lanes[8] = {fill, fill, fill, fill, fill, fill, fill, fill};
  memcpy(lanes, p, (size_t)n * sizeof(float));
  return dlg_v8_load(lanes);
}

static inline void dlg_v8_store_tail(float *p, long n, dlg_v8f v) {
  float lanes[8];
  dlg_v8_store(lanes, v);
  memcpy(p, lanes, (size_t)n * sizeof(float));
}

#define DLG_V8_MAP(name, f)                                                   \
  static inline void name(const float *x, float *y, long n) {                 \
    long i = 0;                                                               \
    for (; i + 8 <= n; i += 8) dlg_v8_store(y + i, f(dlg_v8_load(x + i)));    \
    if (i < n) dlg_v8_store_tail(y + i, n - i, f(dlg_v8_load_tail(x + i, n - i, 0.0f))); \
  }

DLG_V8_MAP(dlg_exp, dlg_v8_exp)
DLG_V8_MAP(dlg_tanh, dlg_v8_tanh)
DLG_V8_MAP(dlg_sigmoid, dlg_v8_sigmoid)
DLG_V8_MAP(dlg_gelu, dlg_v8_gelu)

/// dx = dy · dGELU/dx(x); dx may be dy.
static inline void dlg_gelu_gradient(const float *x, const float *dy, float *dx, long n) {
  long i = 0;
  for (; i + 8 <= n; i += 8)
    dlg_v8_store(dx + i, dlg_v8_gelu_gradient(dlg_v8_load(x + i), dlg_v8_load(dy + i)));
  if (i < n) {
    dlg_v8f g = dlg_v8_gelu_gradient(
        dlg_v8_load_tail(x + i, n - i, 0.0f), dlg_v8_load_tail(dy + i, n - i, 0.0f));
    dlg_v8_store_tail(dx + i, n - i, g);
  }
}

static inline float dlg_v8_sum(dlg_v8f v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

/// y = e^(x − shift) over n floats (y may be x); returns Σ y, a softmax's denominator. Without
/// y, only the sum (a log-sum-exp).
static inline float dlg_shifted_exp(const float *x, float shift, float *y, long n) {
  dlg_v8f sums = (dlg_v8f)(0.0f);
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    dlg_v8f e = dlg_v8_exp(dlg_v8_load(x + i) - shift);
    if (y) dlg_v8_store(y + i, e);
    sums += e;
  }
  if (i < n) {
    // Padding lanes of -inf give e = 0 and add nothing.
    dlg_v8f e = dlg_v8_exp(dlg_v8_load_tail(x + i, n - i, -__builtin_inff()) - shift);
    if (y) dlg_v8_store_tail(y + i, n - i, e);
    sums += e;
  }
  return dlg_v8_sum(sums);
}
