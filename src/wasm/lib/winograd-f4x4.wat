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
  ;; from src and dst. Each side, with the common subexpressions of B^T:
  ;;   r0 = 4d0 - 5d2 + d4                 r5 = 4d1 - 5d3 + d5
  ;;   r1, r2 = (d4 - 4d2) +- (d3 - 4d1)    r3, r4 = (d4 - d2) +- 2(d3 - d1)
  ;; written out once per side: the columns read through the strides and store at fixed
  ;; offsets of E, the rows read E at fixed offsets and store through the strides.
  (func $btF4x4 (param $src i32) (param $srcRow i32) (param $srcCol i32) (param $dst i32) (param $dstRow i32) (param $dstCol i32) (param $E i32)
    (local $k i32) (local $q i32) (local $e i32)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $d4 v128) (local $d5 v128)
    (local $x v128) (local $y v128) (local $four v128) (local $five v128) (local $two v128)
    (local.set $four (f32x4.splat (f32.const 4)))
    (local.set $five (f32x4.splat (f32.const 5)))
    (local.set $two (f32x4.splat (f32.const 2)))
    ;; columns: d[a][k] for a = 0..5 -> E[i][k]
    (local.set $e (local.get $E))
    (loop $columns
      (local.set $q (local.get $src))
      (local.set $d0 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $d1 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $d2 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $d3 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $d4 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $d5 (v128.load (local.get $q)))
      (v128.store offset=0 (local.get $e)
        (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d0)) (f32x4.mul (local.get $five) (local.get $d2))) (local.get $d4)))
      (v128.store offset=480 (local.get $e)
        (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d1)) (f32x4.mul (local.get $five) (local.get $d3))) (local.get $d5)))
      (local.set $x (f32x4.sub (local.get $d4) (f32x4.mul (local.get $four) (local.get $d2))))
      (local.set $y (f32x4.sub (local.get $d3) (f32x4.mul (local.get $four) (local.get $d1))))
      (v128.store offset=96 (local.get $e) (f32x4.add (local.get $x) (local.get $y)))
      (v128.store offset=192 (local.get $e) (f32x4.sub (local.get $x) (local.get $y)))
      (local.set $x (f32x4.sub (local.get $d4) (local.get $d2)))
      (local.set $y (f32x4.mul (local.get $two) (f32x4.sub (local.get $d3) (local.get $d1))))
      (v128.store offset=288 (local.get $e) (f32x4.add (local.get $x) (local.get $y)))
      (v128.store offset=384 (local.get $e) (f32x4.sub (local.get $x) (local.get $y)))
      (local.set $src (i32.add (local.get $src) (local.get $srcCol)))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $columns (i32.lt_u (local.get $k) (i32.const 6))))
    ;; rows: E[k][b] for b = 0..5 -> V[k][j]
    (local.set $e (local.get $E))
    (local.set $k (i32.const 0))
    (loop $rows
      (local.set $d0 (v128.load offset=0 (local.get $e)))
      (local.set $d1 (v128.load offset=16 (local.get $e)))
      (local.set $d2 (v128.load offset=32 (local.get $e)))
      (local.set $d3 (v128.load offset=48 (local.get $e)))
      (local.set $d4 (v128.load offset=64 (local.get $e)))
      (local.set $d5 (v128.load offset=80 (local.get $e)))
      (local.set $q (local.get $dst))
      (v128.store (local.get $q)
        (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d0)) (f32x4.mul (local.get $five) (local.get $d2))) (local.get $d4)))
      (local.set $x (f32x4.sub (local.get $d4) (f32x4.mul (local.get $four) (local.get $d2))))
      (local.set $y (f32x4.sub (local.get $d3) (f32x4.mul (local.get $four) (local.get $d1))))
      (local.set $q (i32.add (local.get $q) (local.get $dstCol)))
      (v128.store (local.get $q) (f32x4.add (local.get $x) (local.get $y)))
      (local.set $q (i32.add (local.get $q) (local.get $dstCol)))
      (v128.store (local.get $q) (f32x4.sub (local.get $x) (local.get $y)))
      (local.set $x (f32x4.sub (local.get $d4) (local.get $d2)))
      (local.set $y (f32x4.mul (local.get $two) (f32x4.sub (local.get $d3) (local.get $d1))))
      (local.set $q (i32.add (local.get $q) (local.get $dstCol)))
      (v128.store (local.get $q) (f32x4.add (local.get $x) (local.get $y)))
      (local.set $q (i32.add (local.get $q) (local.get $dstCol)))
      (v128.store (local.get $q) (f32x4.sub (local.get $x) (local.get $y)))
      (local.set $q (i32.add (local.get $q) (local.get $dstCol)))
      (v128.store (local.get $q)
        (f32x4.add (f32x4.sub (f32x4.mul (local.get $four) (local.get $d1)) (f32x4.mul (local.get $five) (local.get $d3))) (local.get $d5)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstRow)))
      (local.set $e (i32.add (local.get $e) (i32.const 96)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $k) (i32.const 6)))))

  ;; Y = A^T M A for one tile: M[i][j] (6 x 6) at src + i * srcRow + j * srcCol, Y[i][j] (4 x 4)
  ;; stored at dst + (i * 4 + j) * 16; E: 384 bytes of scratch (A^T M, rows of 96 bytes), apart
  ;; from src and dst. Each side, with the common subexpressions of A^T:
  ;;   y0 = m0 + (m1 + m2) + (m3 + m4)    y1 = (m1 - m2) + 2(m3 - m4)
  ;;   y2 = (m1 + m2) + 4(m3 + m4)        y3 = (m1 - m2) + 8(m3 - m4) + m5
  ;; written out once per side as in $btF4x4.
  (func $atF4x4 (param $src i32) (param $srcRow i32) (param $srcCol i32) (param $dst i32) (param $E i32)
    (local $k i32) (local $q i32) (local $e i32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $m4 v128) (local $m5 v128)
    (local $s12 v128) (local $d12 v128) (local $s34 v128) (local $d34 v128)
    ;; columns: M[i][k] for i = 0..5 -> E[i'][k]
    (local.set $e (local.get $E))
    (loop $columns
      (local.set $q (local.get $src))
      (local.set $m0 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $m1 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $m2 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $m3 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $m4 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $srcRow)))
      (local.set $m5 (v128.load (local.get $q)))
      (local.set $s12 (f32x4.add (local.get $m1) (local.get $m2)))
      (local.set $d12 (f32x4.sub (local.get $m1) (local.get $m2)))
      (local.set $s34 (f32x4.add (local.get $m3) (local.get $m4)))
      (local.set $d34 (f32x4.sub (local.get $m3) (local.get $m4)))
      (v128.store offset=0 (local.get $e) (f32x4.add (f32x4.add (local.get $m0) (local.get $s12)) (local.get $s34)))
      (v128.store offset=96 (local.get $e) (f32x4.add (local.get $d12) (f32x4.add (local.get $d34) (local.get $d34))))
      (v128.store offset=192 (local.get $e) (f32x4.add (local.get $s12) (f32x4.mul (f32x4.splat (f32.const 4)) (local.get $s34))))
      (v128.store offset=288 (local.get $e)
        (f32x4.add (f32x4.add (local.get $d12) (f32x4.mul (f32x4.splat (f32.const 8)) (local.get $d34))) (local.get $m5)))
      (local.set $src (i32.add (local.get $src) (local.get $srcCol)))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $columns (i32.lt_u (local.get $k) (i32.const 6))))
    ;; rows: E[k][j] for j = 0..5 -> Y[k][j']
    (local.set $e (local.get $E))
    (local.set $k (i32.const 0))
    (loop $rows
      (local.set $m0 (v128.load offset=0 (local.get $e)))
      (local.set $m1 (v128.load offset=16 (local.get $e)))
      (local.set $m2 (v128.load offset=32 (local.get $e)))
      (local.set $m3 (v128.load offset=48 (local.get $e)))
      (local.set $m4 (v128.load offset=64 (local.get $e)))
      (local.set $m5 (v128.load offset=80 (local.get $e)))
      (local.set $s12 (f32x4.add (local.get $m1) (local.get $m2)))
      (local.set $d12 (f32x4.sub (local.get $m1) (local.get $m2)))
      (local.set $s34 (f32x4.add (local.get $m3) (local.get $m4)))
      (local.set $d34 (f32x4.sub (local.get $m3) (local.get $m4)))
      (v128.store offset=0 (local.get $dst) (f32x4.add (f32x4.add (local.get $m0) (local.get $s12)) (local.get $s34)))
      (v128.store offset=16 (local.get $dst) (f32x4.add (local.get $d12) (f32x4.add (local.get $d34) (local.get $d34))))
      (v128.store offset=32 (local.get $dst) (f32x4.add (local.get $s12) (f32x4.mul (f32x4.splat (f32.const 4)) (local.get $s34))))
      (v128.store offset=48 (local.get $dst)
        (f32x4.add (f32x4.add (local.get $d12) (f32x4.mul (f32x4.splat (f32.const 8)) (local.get $d34))) (local.get $m5)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $e (i32.add (local.get $e) (i32.const 96)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $k) (i32.const 4)))))
