// Four float64 lanes as a GCC/Clang vector extension: one ymm register
// with AVX2 (-march=native), two SSE2 registers or scalars elsewhere.
// Loads and stores go through memcpy, so no alignment is assumed.
#ifndef MODESCOPE_LINALG_SIMD_H_
#define MODESCOPE_LINALG_SIMD_H_

#include <cstring>

namespace linalg {

typedef double v4d __attribute__((vector_size(32)));

inline v4d Load(const double* p) {
  v4d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void Store(double* p, v4d v) { std::memcpy(p, &v, sizeof v); }

}  // namespace linalg

#endif  // MODESCOPE_LINALG_SIMD_H_
