# Native addons of modescope, built by node-gyp from `npm install`
# (scripts/build-native.mjs). A failed build never fails the install: the
# runtime then falls back to the WASM backend.
#
# To add a target (e.g. float64 linear algebra under native/linalg/), append
# one more object to "targets" and reuse the flags below.
{
  "targets": [
    {
      # The tf.js kernel addon: build/Release/modescope_native.node
      "target_name": "modescope_native",
      "sources": [
        "native/addon.cc",
        "native/pool.cc",
        "native/gemm.cc",
        "native/elementwise.cc",
        "native/reduce.cc",
        "native/conv.cc",
        "native/adam.cc",
        "native/batchnorm.cc",
        "native/mlp.cc",
        "native/minibatch.cc",
      ],
      # node-gyp's defaults add -fno-exceptions; the pool uses std::thread
      # and std::function, which need neither, so they are left as is.
      "cflags_cc": [
        # Optimise for speed; the kernels are the whole point of the addon.
        "-O3",
        # Build for the CPU it is installed on: enables AVX2/FMA (or
        # AVX-512) where present; the portable path is used otherwise.
        "-march=native",
        # Lets the compiler vectorise loops over std::exp/std::log without
        # errno side effects; keeps IEEE semantics otherwise (no fast-math).
        "-fno-math-errno",
        "-std=c++17",
      ],
      "cflags_cc!": ["-std=gnu++17", "-O2"],
      "ldflags": ["-pthread"],
    },
    {
      # Float64 linear algebra for the metrics (FID, PRDC):
      # build/Release/modescope_linalg.node, with our own GEMM, Cholesky
      # and eigen solver (native/linalg); no system libraries. The JS in
      # src/linalg falls back to plain JS when it is missing.
      "target_name": "modescope_linalg",
      "sources": [
        "native/linalg/linalg.cc",
        "native/linalg/gemm.cc",
        "native/linalg/dense.cc",
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
      ],
      # napi.h reports errors as C++ exceptions, which need -fexceptions.
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc": [
        "-O3",
        # AVX2/FMA (or AVX-512) where the CPU has them; the vector-extension
        # kernels compile to SSE2 or scalars elsewhere.
        "-march=native",
        # Lets `acc += a * b` in the GEMM and dot kernels become one fused
        # multiply-add, as in every optimised BLAS; -std=c++17 turns
        # contraction off otherwise.
        "-ffp-contract=fast",
        "-std=c++17",
        "-fexceptions",
      ],
      "cflags_cc!": ["-std=gnu++17", "-O2", "-fno-exceptions"],
      # The kernels thread over all cores with std::thread.
      "ldflags": ["-pthread"],
    },
  ],
}
