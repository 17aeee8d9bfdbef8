  ;; ---- src/wasm/lib/winograd-f4x4.wat (shared: runtime.wat and kernels.wat include it) ----
  ;; F(4x4,3x3)'s forward transforms written out (T = 6, m = 4, points 0, +-1, +-2): each side is
  ;; a few adds and multiplies on 6 vectors held in locals, common terms shared, where the
  ;; generic sparse transform (lib/sparse.wat) loops over nonzeros through memory and is several
  ;; times slower. A vector is 4 lanes of anything (4 tiles of one channel in the runtime, 4
  ;; channels of one tile in the training kernels); every address and stride is in bytes, so
  ;; each caller passes its own layout. Both callers are checked against direct convolution
  ;; (test/kernels/conv-winograd.test.ts; test/runtime/ops.test.ts and runtime.test.ts).
  ;;   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
  ;;   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]

  ;; V = B^T d B for one 6 x 6 tile: d[a][b] at src + a * srcRow + b * srcCol, V[i][j] stored at
  ;; dst + i * dstRow + j * dstCol; E: 576 bytes of scratch (B^T d, rows of 96 bytes), apart
  ;; from src and dst.
  (func $btF4x4 (param $src i32) (param $srcRow i32) (param $srcCol i32) (param $dst i32) (param $dstRow i32) (param $dstCol i32) (param $E i32)
    (call $btF4x4Side (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $E) (i32.const 96) (i32.const 16))
    (call $btF4x4Side (local.get $E) (i32.const 16) (i32.const 96) (local.get $dst) (local.get $dstCol) (local.get $dstRow)))

  ;; One side of B^T on 6 lines: line k's vectors d_a at src + k * next + a * step, its r_i at
  ;; dst + k * dstNext + i * dstStep, with
  ;;   r0 = 4d0 - 5d2 + d4                 r5 = 4d1 - 5d3 + d5
  ;;   r1, r2 = (d4 - 4d2) +- (d3 - 4d1)    r3, r4 = (d4 - d2) +- 2(d3 - d1)
  (func $btF4x4Side (param $src i32) (param $step i32) (param $next i32) (param $dst i32) (param $dstStep i32) (param $dstNext i32)
    (local $k i32) (local $q i32)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $d4 v128) (local $d5 v128)
    (local $x v128) (local $y v128) (local $four v128) (local $five v128) (local $two v128)
    (local.set $four (f32x4.splat (f32.const 4)))
    (local.set $five (f32x4.splat (f32.const 5)))
    (local.set $two (f32x4.splat (f32.const 2)))
    (loop $lines
      (local.set $q (local.get $src))
      (local.set $d0 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d1 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d2 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d3 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d4 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d5 (v128.load (local.get $q)))
      (local.set $q (local.get $dst))
      (v128.store (local.get $q)
        (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d0)) (f32x4.mul (local.get $five) (local.get $d2))) (local.get $d4)))
      (local.set $x (f32x4.sub (local.get $d4) (f32x4.mul (local.get $four) (local.get $d2))))
      (local.set $y (f32x4.sub (local.get $d3) (f32x4.mul (local.get $four) (local.get $d1))))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.add (local.get $x) (local.get $y)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.sub (local.get $x) (local.get $y)))
      (local.set $x (f32x4.sub (local.get $d4) (local.get $d2)))
      (local.set $y (f32x4.mul (local.get $two) (f32x4.sub (local.get $d3) (local.get $d1))))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.add (local.get $x) (local.get $y)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.sub (local.get $x) (local.get $y)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q)
        (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d1)) (f32x4.mul (local.get $five) (local.get $d3))) (local.get $d5)))
      (local.set $src (i32.add (local.get $src) (local.get $next)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstNext)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $lines (i32.lt_u (local.get $k) (i32.const 6)))))

  ;; Y = A^T M A for one tile: M[i][j] (6 x 6) at src + i * srcRow + j * srcCol, Y[i][j] (4 x 4)
  ;; stored at dst + i * dstRow + j * dstCol; E: 384 bytes of scratch (A^T M, rows of 96 bytes),
  ;; apart from src and dst.
  (func $atF4x4 (param $src i32) (param $srcRow i32) (param $srcCol i32) (param $dst i32) (param $dstRow i32) (param $dstCol i32) (param $E i32)
    (call $atF4x4Side (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $E) (i32.const 96) (i32.const 16) (i32.const 6))
    (call $atF4x4Side (local.get $E) (i32.const 16) (i32.const 96) (local.get $dst) (local.get $dstCol) (local.get $dstRow) (i32.const 4)))

  ;; One side of A^T on `lines` lines of 6 vectors (addresses as $btF4x4Side), 4 results each:
  ;;   y0 = m0 + (m1 + m2) + (m3 + m4)    y1 = (m1 - m2) + 2(m3 - m4)
  ;;   y2 = (m1 + m2) + 4(m3 + m4)        y3 = (m1 - m2) + 8(m3 - m4) + m5
  (func $atF4x4Side (param $src i32) (param $step i32) (param $next i32) (param $dst i32) (param $dstStep i32) (param $dstNext i32) (param $lines i32)
    (local $k i32) (local $q i32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $m4 v128) (local $m5 v128)
    (local $s12 v128) (local $d12 v128) (local $s34 v128) (local $d34 v128)
    (loop $lines
      (local.set $q (local.get $src))
      (local.set $m0 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $m1 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $m2 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $m3 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $m4 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $m5 (v128.load (local.get $q)))
      (local.set $s12 (f32x4.add (local.get $m1) (local.get $m2)))
      (local.set $d12 (f32x4.sub (local.get $m1) (local.get $m2)))
      (local.set $s34 (f32x4.add (local.get $m3) (local.get $m4)))
      (local.set $d34 (f32x4.sub (local.get $m3) (local.get $m4)))
      (local.set $q (local.get $dst))
      (v128.store (local.get $q) (f32x4.add (f32x4.add (local.get $m0) (local.get $s12)) (local.get $s34)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.add (local.get $d12) (f32x4.add (local.get $d34) (local.get $d34))))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.add (local.get $s12) (f32x4.mul (f32x4.splat (f32.const 4)) (local.get $s34))))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q)
        (f32x4.add (f32x4.add (local.get $d12) (f32x4.mul (f32x4.splat (f32.const 8)) (local.get $d34))) (local.get $m5)))
      (local.set $src (i32.add (local.get $src) (local.get $next)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstNext)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $lines (i32.lt_u (local.get $k) (local.get $lines)))))
