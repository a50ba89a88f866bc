// Kernel entry points of the modescope addon. All tensors are dense,
// row-major float32 (the layout tf.js's CPU backend keeps in typed arrays);
// the N-API layer (addon.cc) checks sizes before calling in here.
//
// Each optimised kernel has a plain reference beside it (`*_ref`), used as
// the fallback and as the test oracle for the fast path.
#pragma once
#include <cstdint>

namespace ms {

// ---- activations (act.h has the per-element formulas) ----
enum Act : int {
  kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kLeaky = 4, kSigmoid = 5,
  kTanh = 6,
};

// ---- matrix multiply: gemm.cc ----
/**
 * C[M,N] (+)= op(A)[M,K] op(B)[K,N]; op(X) transposes when tX is set.
 * A is [M,K] (or [K,M] when ta) with row stride lda; likewise B.
 * accumulate=false overwrites C.
 */
void sgemm(bool ta, bool tb, int M, int N, int K, const float* A, int lda,
           const float* B, int ldb, float* C, int ldc, bool accumulate);
void sgemm_ref(bool ta, bool tb, int M, int N, int K, const float* A,
               int lda, const float* B, int ldb, float* C, int ldc,
               bool accumulate);
/** Single-threaded sgemm, for callers that already split the work. */
void sgemm_serial(bool ta, bool tb, int M, int N, int K, const float* A,
                  int lda, const float* B, int ldb, float* C, int ldc,
                  bool accumulate);
/**
 * Batched: C[b] = op(A[b]) op(B[b]) for b < batch; a batch stride of 0
 * broadcasts that operand.
 */
void sgemm_batched(bool ta, bool tb, int batch, int M, int N, int K,
                   const float* A, long strideA, const float* B,
                   long strideB, float* C);
/**
 * Epilogue of a fused dense layer, in place on C[M,N]:
 * C = act(C + bias) with bias [N] (biasLen N), [1] or null, and for
 * kLeaky/kElu the scalar alpha.
 */
void bias_act(float* C, int M, int N, const float* bias, int biasLen,
              int act, float alpha);
/** bias_act on `rows` rows, single-threaded. */
void bias_act_rows(float* C, long rows, int N, const float* bias,
                   int biasLen, int act, float alpha);

// ---- elementwise: elementwise.cc ----
enum BinOp : int {
  kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kSqDiff = 6,
  kGreater = 7, kLess = 8, kPow = 9,
};
/**
 * out = a (op) b with numpy broadcasting; shapes have rank <= 8 and the
 * output shape oshape was computed by the caller.
 */
void binary(int op, const float* a, const int* ashape, int arank,
            const float* b, const int* bshape, int brank, float* out,
            const int* oshape, int orank);
void binary_ref(int op, const float* a, const int* ashape, int arank,
                const float* b, const int* bshape, int brank, float* out,
                const int* oshape, int orank);

enum UnOp : int {
  kURelu = 0, kURelu6 = 1, kUElu = 2, kULeaky = 3, kUSigmoid = 4,
  kUTanh = 5, kUExp = 6, kULog = 7, kUNeg = 8, kUSquare = 9, kUSqrt = 10,
  kURsqrt = 11, kUSoftplus = 12, kUAbs = 13, kUStep = 14, kULog1p = 15,
  kUReciprocal = 16,
};
/** out[i] = f(x[i]); alpha is leakyRelu's slope / step's value at x<=0. */
void unary(int op, const float* x, float* out, long n, float alpha);

/**
 * Activation gradient from the forward output y:
 * out = dy * act'(y) (see act.h for why y suffices).
 */
void act_grad(int act, const float* dy, const float* y, float* out, long n,
              float alpha);

// ---- reductions: reduce.cc ----
enum RedOp : int { kRSum = 0, kRMean = 1, kRMax = 2, kRMin = 3 };
/**
 * Reduces x (shape `shape`, rank) over the axes flagged in `axes` (1 =
 * reduced) into out, whose element order is x's with those axes dropped.
 */
void reduce(int op, const float* x, const int* shape, int rank,
            const uint8_t* axes, float* out);

// ---- convolution (NHWC, filter [kh, kw, inC, outC]): conv.cc ----
struct ConvGeom {
  int batch, inH, inW, inC, outH, outW, outC;
  int kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft;
};
/** y[N,outH,outW,outC] = conv2d(x[N,inH,inW,inC], w[kh,kw,inC,outC]). */
void conv2d(const ConvGeom& g, const float* x, const float* w, float* y);
/** dx[N,inH,inW,inC] from dy[N,outH,outW,outC] and w (overwrites dx). */
void conv2d_backprop_input(const ConvGeom& g, const float* dy,
                           const float* w, float* dx);
/** dw[kh,kw,inC,outC] from x and dy (overwrites dw). */
void conv2d_backprop_filter(const ConvGeom& g, const float* x,
                            const float* dy, float* dw);
void conv2d_ref(const ConvGeom& g, const float* x, const float* w, float* y);

// ---- training-mode batch norm over x [rows, C]: batchnorm.cc ----
/** y = gamma (x - mean) / sqrt(var + eps) + beta, batch statistics. */
void bn_train_forward(const float* x, long rows, int C, const float* gamma,
                      const float* beta, float eps, float* y);
/** dx, dgamma, dbeta (the last two may be null) from dy and x. */
void bn_train_backward(const float* dy, const float* x, long rows, int C,
                       const float* gamma, float eps, float* dx,
                       float* dgamma, float* dbeta);

// ---- a chain of dense layers: mlp.cc ----
/** Layer l maps width[l] to width[l+1] features with activation act[l]. */
struct MlpShape {
  int batch, layers;
  const int* width;    // layers + 1 entries
  const int* act;      // layers entries (Act)
  const float* alpha;  // layers entries (leaky slope)
};
/**
 * h[l] = act_l(a_l W[l] + b[l]) for every layer, a_0 = x, a_l = h[l-1];
 * b[l] may be null. h[L-1] is the output.
 */
void mlp_forward(const MlpShape& s, const float* x, const float* const* W,
                 const float* const* b, float* const* h);
/**
 * The backward pass of mlp_forward given dy = dh[L-1]. dW (and db, whose
 * entries may be null) null: no parameter gradients. dx null: no input
 * gradient. g0 non-null: receives layer 0's pre-activation gradient
 * [batch, width[1]] (so that dx = g0 W[0]^T can follow later).
 */
void mlp_backward(const MlpShape& s, const float* x, const float* const* W,
                  const float* const* h, const float* dy, float* const* dW,
                  float* const* db, float* dx, float* g0);

// ---- optimiser: adam.cc ----
/**
 * One Adam step (Kingma & Ba 2015, Algorithm 1, with bias correction folded
 * into the step size as PyTorch does) on n elements:
 * m' = b1 m + (1-b1) g; v' = b2 v + (1-b2) g^2;
 * p' = p - lr_t m' / (sqrt(v') + eps_t), with lr_t = lr sqrt(1-b2^t)/(1-b1^t)
 * and eps_t = eps sqrt(1-b2^t), which equals PyTorch's
 * p - lr m_hat / (sqrt(v_hat) + eps).
 */
void adam(const float* p, const float* g, const float* m, const float* v,
          float* p2, float* m2, float* v2, long n, float lr, float b1,
          float b2, float eps, int step);

/** One parameter of adam_multi: inputs p, g, m, v; outputs p2, m2, v2. */
struct AdamTensor {
  const float *p, *g, *m, *v;
  float *p2, *m2, *v2;
  long n;
};
/** adam() over several parameters in one pass. */
void adam_multi(int count, const AdamTensor* t, float lr, float b1, float b2,
                float eps, int step);

// ---- minibatch discrimination: minibatch.cc ----
/**
 * o[N,B]: o[i,b] = sum_j exp(-sum_c |m[i,b,c] - m[j,b,c]|), j = i included,
 * for m [N,B,C].
 */
void minibatch_forward(const float* m, int N, int B, int C, float* o);
/** dm[N,B,C] (overwritten) from m and dy [N,B]. */
void minibatch_backward(const float* m, const float* dy, int N, int B, int C,
                        float* dm);

}  // namespace ms
