;; swprune's dense compute kernels: matrix products and convolutions in WebAssembly with 128-bit
;; SIMD (f32x4). Compiled by `npm run build:wasm` into kernels-module.ts, twice: once importing a
;; shared memory (worker threads share it) and once a plain one (one thread, e.g. a browser
;; without cross-origin isolation, or tfjs's own heap); test/wasm/build.test.ts checks that
;; the committed bytes are this file's; `{include name}` splices in src/wasm/lib/name.wat, the
;; kernel functions shared with the runtime (src/wasm/expand.ts). The TypeScript side
;; (src/kernels/*.ts) lays out buffers, splits the work between threads and calls these
;; functions; they hold no state.
;;
;; Conventions: every pointer and every stride is in BYTES, every count in elements (floats).
;; Reads may run up to 32 bytes past the last element of an operand (a partial column panel, or
;; the channels of a 4-channel block past the last channel); callers leave that much slack.
;;
;; The convolutions' work unit is a 4 x 8 tile of the result held in 8 f32x4 registers (rows
;; r0..r3, columns 0-3 and 4-7): per step of the reduction, two vector loads of the right
;; operand's 8 columns, four single-float broadcast loads of the left operand, 8 multiplies and
;; 8 adds; the matrix products' (lib/gemm.wat) is a 2 x 16 tile with the same ratio.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The shared kernel library's dense product (src/wasm/lib/gemm.wat, which the runtime's dense
  ;; Winograd product runs too): C = A B or C += A B, every address and stride a parameter.
  {include gemm}

  ;; gemm with cache blocking: lib/gemm.wat's $gemmTiles in blocks of kc steps of the reduction
  ;; and mc rows, so that one block of A (mc x kc) stays in the second-level cache and one
  ;; panel of B (kc x 16) in the first while the block is swept. Blocks after the first along
  ;; the reduction add to C. Operands (strides in bytes):
  ;;   A(i, l) at a + i*ars + l*aks          (any strides: row-major A, or a transposed one)
  ;;   B(l, j) at b + (j >> 3)*bps + l*bks + (j & 7)*4
  ;;       packed panels of 8 columns (bks = 32, bps = 32k, see pack_b), or a row-major B with
  ;;       row stride bks and bps = 32 (the columns past n of the last vector are read, not used)
  ;;   C(i, j) at c + i*ldc + j*4
  (func $gemm (export "gemm")
    (param $c i32) (param $ldc i32) (param $a i32) (param $ars i32) (param $aks i32)
    (param $b i32) (param $bks i32) (param $bps i32) (param $m i32) (param $n i32) (param $k i32)
    (param $acc i32) (param $kc i32) (param $mc i32)
    (local $k0 i32) (local $i0 i32) (local $kb i32) (local $mb i32)
    (local.set $k0 (i32.const 0))
    (loop $kBlocks
      (local.set $kb (i32.sub (local.get $k) (local.get $k0)))
      (if (i32.gt_s (local.get $kb) (local.get $kc)) (then (local.set $kb (local.get $kc))))
      (local.set $i0 (i32.const 0))
      (block $doneM
        (loop $mBlocks
          (br_if $doneM (i32.ge_s (local.get $i0) (local.get $m)))
          (local.set $mb (i32.sub (local.get $m) (local.get $i0)))
          (if (i32.gt_s (local.get $mb) (local.get $mc)) (then (local.set $mb (local.get $mc))))
          (call $gemmTiles
            (i32.add (local.get $c) (i32.mul (local.get $i0) (local.get $ldc))) (local.get $ldc)
            (i32.add (local.get $a) (i32.add (i32.mul (local.get $i0) (local.get $ars)) (i32.mul (local.get $k0) (local.get $aks))))
            (i32.shl (local.get $ars) (i32.const 1)) (local.get $ars) (local.get $aks)
            (i32.add (local.get $b) (i32.mul (local.get $k0) (local.get $bks))) (local.get $bks) (local.get $bps)
            (local.get $mb) (local.get $n) (local.get $kb)
            (i32.or (local.get $acc) (i32.ne (local.get $k0) (i32.const 0))))
          (local.set $i0 (i32.add (local.get $i0) (local.get $mc)))
          (br $mBlocks)))
      (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
      (br_if $kBlocks (i32.lt_s (local.get $k0) (local.get $k)))))

  ;; Stores a 4 x 8 tile (rows r0..r3 as two vectors each) at pc, row stride ldc: only `rows` rows
  ;; and `cols` columns; adds what is there first when acc != 0; clamps at 0 when relu != 0.
  (func $storeTile (param $pc i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $acc i32) (param $relu i32) (param $scratch i32)
    (param $c00 v128) (param $c01 v128) (param $c10 v128) (param $c11 v128)
    (param $c20 v128) (param $c21 v128) (param $c30 v128) (param $c31 v128)
    (local $r i32) (local $q i32) (local $src i32) (local $dst i32) (local $v f32) (local $zero v128)
    (if (local.get $relu)
      (then
        (local.set $zero (v128.const i32x4 0 0 0 0))
        (local.set $c00 (f32x4.max (local.get $c00) (local.get $zero)))
        (local.set $c01 (f32x4.max (local.get $c01) (local.get $zero)))
        (local.set $c10 (f32x4.max (local.get $c10) (local.get $zero)))
        (local.set $c11 (f32x4.max (local.get $c11) (local.get $zero)))
        (local.set $c20 (f32x4.max (local.get $c20) (local.get $zero)))
        (local.set $c21 (f32x4.max (local.get $c21) (local.get $zero)))
        (local.set $c30 (f32x4.max (local.get $c30) (local.get $zero)))
        (local.set $c31 (f32x4.max (local.get $c31) (local.get $zero)))))
    (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 8)))
      (then
        (if (local.get $acc)
          (then
            (local.set $c00 (f32x4.add (local.get $c00) (v128.load offset=0 (local.get $pc))))
            (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $pc))))
            (local.set $c10 (f32x4.add (local.get $c10) (v128.load offset=0 (i32.add (local.get $pc) (local.get $ldc)))))
            (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (i32.add (local.get $pc) (local.get $ldc)))))
            (local.set $c20 (f32x4.add (local.get $c20) (v128.load offset=0 (i32.add (local.get $pc) (i32.shl (local.get $ldc) (i32.const 1))))))
            (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (i32.add (local.get $pc) (i32.shl (local.get $ldc) (i32.const 1))))))
            (local.set $c30 (f32x4.add (local.get $c30) (v128.load offset=0 (i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const 3))))))
            (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const 3))))))))
        (v128.store offset=0 (local.get $pc) (local.get $c00))
        (v128.store offset=16 (local.get $pc) (local.get $c01))
        (v128.store offset=0 (i32.add (local.get $pc) (local.get $ldc)) (local.get $c10))
        (v128.store offset=16 (i32.add (local.get $pc) (local.get $ldc)) (local.get $c11))
        (v128.store offset=0 (i32.add (local.get $pc) (i32.shl (local.get $ldc) (i32.const 1))) (local.get $c20))
        (v128.store offset=16 (i32.add (local.get $pc) (i32.shl (local.get $ldc) (i32.const 1))) (local.get $c21))
        (v128.store offset=0 (i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
        (v128.store offset=16 (i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c31))
        (return)))
    ;; a partial tile: through scratch, one float at a time
    (v128.store offset=0 (local.get $scratch) (local.get $c00))
    (v128.store offset=16 (local.get $scratch) (local.get $c01))
    (v128.store offset=32 (local.get $scratch) (local.get $c10))
    (v128.store offset=48 (local.get $scratch) (local.get $c11))
    (v128.store offset=64 (local.get $scratch) (local.get $c20))
    (v128.store offset=80 (local.get $scratch) (local.get $c21))
    (v128.store offset=96 (local.get $scratch) (local.get $c30))
    (v128.store offset=112 (local.get $scratch) (local.get $c31))
    (local.set $r (i32.const 0))
    (block $doneR
      (loop $rowsL
        (br_if $doneR (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $q (i32.const 0))
        (block $doneQ
          (loop $colsL
            (br_if $doneQ (i32.ge_s (local.get $q) (local.get $cols)))
            (local.set $src (i32.add (local.get $scratch) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $q)) (i32.const 2))))
            (local.set $dst (i32.add (local.get $pc) (i32.add (i32.mul (local.get $r) (local.get $ldc)) (i32.shl (local.get $q) (i32.const 2)))))
            (local.set $v (f32.load (local.get $src)))
            (if (local.get $acc) (then (local.set $v (f32.add (local.get $v) (f32.load (local.get $dst))))))
            (f32.store (local.get $dst) (local.get $v))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $colsL)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsL))))

  ;; Packs B (k x n) into panels of 8 columns: dst[((j >> 3)*k + l)*8 + (j & 7)] = B(l, j), with
  ;; B(l, j) at src + l*sks + j*sns (strides in bytes: row-major B, or its transpose), and
  ;; zeros in the columns of the last panel past n.
  (func (export "pack_b") (param $dst i32) (param $src i32) (param $sks i32) (param $sns i32) (param $k i32) (param $n i32)
    (local $j i32) (local $l i32) (local $q i32) (local $col i32) (local $row i32) (local $out i32)
    (local.set $out (local.get $dst))
    (local.set $j (i32.const 0))
    (block $doneJ
      (loop $panels
        (br_if $doneJ (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $l (i32.const 0))
        (block $doneL
          (loop $rowsL
            (br_if $doneL (i32.ge_s (local.get $l) (local.get $k)))
            (local.set $row (i32.add (local.get $src) (i32.mul (local.get $l) (local.get $sks))))
            (local.set $q (i32.const 0))
            (loop $lanes
              (local.set $col (i32.add (local.get $j) (local.get $q)))
              (f32.store (local.get $out)
                (if (result f32) (i32.lt_s (local.get $col) (local.get $n))
                  (then (f32.load (i32.add (local.get $row) (i32.mul (local.get $col) (local.get $sns)))))
                  (else (f32.const 0))))
              (local.set $out (i32.add (local.get $out) (i32.const 4)))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br_if $lanes (i32.lt_s (local.get $q) (i32.const 8))))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br $rowsL)))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $panels))))

  ;; For output pixels p0 <= p < p1 of an NHWC convolution (p = (n*OH + oh)*OW + ow), writes
  ;; the byte address of every tap's input pixel into ind: ind[t*stride + (p - p0)*4], t = kh*KW + kw,
  ;; the pixel x[n, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw, 0] or `zero` (a row of zeros) where
  ;; that is padding. geo points at the conv block (params.ts): H W cin OH OW cout KH KW sh sw dh dw pt pl.
  (func $indirection (param $ind i32) (param $stride i32) (param $x i32) (param $zero i32) (param $geo i32) (param $p0 i32) (param $p1 i32)
    (local $p i32) (local $n i32) (local $q i32) (local $oh i32) (local $ow i32) (local $ohw i32)
    (local $ih i32) (local $iw i32) (local $ih0 i32) (local $iw0 i32) (local $kh i32) (local $kw i32) (local $out i32)
    (local $H i32) (local $W i32) (local $cin4 i32) (local $OW i32) (local $KH i32) (local $KW i32)
    (local.set $H (i32.load offset={conv.H} (local.get $geo)))
    (local.set $W (i32.load offset={conv.W} (local.get $geo)))
    (local.set $cin4 (i32.shl (i32.load offset={conv.cin} (local.get $geo)) (i32.const 2)))
    (local.set $OW (i32.load offset={conv.OW} (local.get $geo)))
    (local.set $ohw (i32.mul (i32.load offset={conv.OH} (local.get $geo)) (local.get $OW)))
    (local.set $KH (i32.load offset={conv.KH} (local.get $geo)))
    (local.set $KW (i32.load offset={conv.KW} (local.get $geo)))
    (local.set $p (local.get $p0))
    (block $doneP
      (loop $pixels
        (br_if $doneP (i32.ge_s (local.get $p) (local.get $p1)))
        (local.set $n (i32.div_u (local.get $p) (local.get $ohw)))
        (local.set $q (i32.sub (local.get $p) (i32.mul (local.get $n) (local.get $ohw))))
        (local.set $oh (i32.div_u (local.get $q) (local.get $OW)))
        (local.set $ow (i32.sub (local.get $q) (i32.mul (local.get $oh) (local.get $OW))))
        (local.set $ih0 (i32.sub (i32.mul (local.get $oh) (i32.load offset={conv.sh} (local.get $geo))) (i32.load offset={conv.pt} (local.get $geo))))
        (local.set $iw0 (i32.sub (i32.mul (local.get $ow) (i32.load offset={conv.sw} (local.get $geo))) (i32.load offset={conv.pl} (local.get $geo))))
        (local.set $out (i32.add (local.get $ind) (i32.shl (i32.sub (local.get $p) (local.get $p0)) (i32.const 2))))
        (local.set $kh (i32.const 0))
        (loop $taphs
          (local.set $ih (i32.add (local.get $ih0) (i32.mul (local.get $kh) (i32.load offset={conv.dh} (local.get $geo)))))
          (local.set $kw (i32.const 0))
          (loop $tapws
            (local.set $iw (i32.add (local.get $iw0) (i32.mul (local.get $kw) (i32.load offset={conv.dw} (local.get $geo)))))
            (i32.store (local.get $out)
              (select
                (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $ih)) (local.get $W)) (local.get $iw)) (local.get $cin4)))
                (local.get $zero)
                (i32.and (i32.lt_u (local.get $ih) (local.get $H)) (i32.lt_u (local.get $iw) (local.get $W)))))
            (local.set $out (i32.add (local.get $out) (local.get $stride)))
            (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
            (br_if $tapws (i32.lt_s (local.get $kw) (local.get $KW))))
          (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
          (br_if $taphs (i32.lt_s (local.get $kh) (local.get $KH))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pixels))))

  ;; Convolution, NHWC, output pixels p0 <= p < p1 (p as in $indirection), as an implicit matrix
  ;; product without im2col: y[p, co] = relu?(bias[co] + sum over taps t and channels ci of
  ;; x[tap t of p, ci] * w[t, ci, co]). w is packed by pack_b from the HWIO filter seen as a
  ;; (KH*KW*cin) x cout matrix; bias (0: none) holds cout floats rounded up to 8. Per block of 4
  ;; pixels the 4 input addresses of each tap are computed once (scratch + 128) and reused for
  ;; every 8 output channels: the runtime's register block ($runs4x8, lib/conv.wat), each tap a
  ;; run of cin floats. geo: see $indirection. scratch: 128 + 16*KH*KW bytes.
  {include conv}

  (func (export "conv2d") (param $y i32) (param $x i32) (param $w i32) (param $bias i32) (param $zero i32) (param $scratch i32)
    (param $geo i32) (param $p0 i32) (param $p1 i32) (param $relu i32)
    (local $p i32) (local $rows i32) (local $cols i32) (local $co i32) (local $cin i32) (local $cout i32)
    (local $T i32) (local $tt i32) (local $kk i32) (local $wps i32) (local $ystride i32) (local $ind i32) (local $pi i32)
    (local $b0 v128) (local $b1 v128)
    (local.set $cin (i32.load offset={conv.cin} (local.get $geo)))
    (local.set $cout (i32.load offset={conv.cout} (local.get $geo)))
    (local.set $T (i32.mul (i32.load offset={conv.KH} (local.get $geo)) (i32.load offset={conv.KW} (local.get $geo))))
    (local.set $wps (i32.shl (i32.mul (local.get $T) (local.get $cin)) (i32.const 5)))
    (local.set $ystride (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $ind (i32.add (local.get $scratch) (i32.const 128)))
    (local.set $p (local.get $p0))
    (block $doneP
      (loop $blocks
        (br_if $doneP (i32.ge_s (local.get $p) (local.get $p1)))
        (local.set $rows (i32.sub (local.get $p1) (local.get $p)))
        (if (i32.gt_s (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
        (call $indirection (local.get $ind) (i32.const 16) (local.get $x) (local.get $zero) (local.get $geo)
          (local.get $p) (i32.add (local.get $p) (local.get $rows)))
        ;; rows past the edge: repeat the last real pixel's addresses
        (if (i32.lt_s (local.get $rows) (i32.const 4))
          (then
            (local.set $tt (i32.const 0))
            (loop $fill
              (local.set $pi (i32.add (local.get $ind) (i32.shl (local.get $tt) (i32.const 4))))
              (local.set $kk (local.get $rows))
              (loop $fillRows
                (i32.store (i32.add (local.get $pi) (i32.shl (local.get $kk) (i32.const 2)))
                  (i32.load (i32.add (local.get $pi) (i32.shl (i32.sub (local.get $rows) (i32.const 1)) (i32.const 2)))))
                (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                (br_if $fillRows (i32.lt_s (local.get $kk) (i32.const 4))))
              (local.set $tt (i32.add (local.get $tt) (i32.const 1)))
              (br_if $fill (i32.lt_s (local.get $tt) (local.get $T))))))
        (local.set $co (i32.const 0))
        (block $doneCo
          (loop $panels
            (br_if $doneCo (i32.ge_s (local.get $co) (local.get $cout)))
            (local.set $cols (i32.sub (local.get $cout) (local.get $co)))
            (if (i32.gt_s (local.get $cols) (i32.const 8)) (then (local.set $cols (i32.const 8))))
            (if (local.get $bias)
              (then
                (local.set $b0 (v128.load offset=0 (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2)))))
                (local.set $b1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2))))))
              (else
                (local.set $b0 (v128.const i32x4 0 0 0 0))
                (local.set $b1 (v128.const i32x4 0 0 0 0))))
            ;; the 4 pixels' taps as runs of cin floats (lib/conv.wat), the sums starting from the bias
            (call $storeTile
              (i32.add (local.get $y) (i32.add (i32.mul (local.get $p) (local.get $ystride)) (i32.shl (local.get $co) (i32.const 2))))
              (local.get $ystride) (local.get $rows) (local.get $cols) (i32.const 0) (local.get $relu) (local.get $scratch)
              (call $runs4x8 (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                (local.get $ind) (i32.add (local.get $ind) (i32.shl (local.get $T) (i32.const 4))) (i32.const 16) (i32.const 4)
                (i32.shl (local.get $cin) (i32.const 2))
                (i32.add (local.get $w) (i32.mul (i32.shr_u (local.get $co) (i32.const 3)) (local.get $wps)))
                (i32.const 1) (local.get $b0) (local.get $b1)))
            (local.set $co (i32.add (local.get $co) (i32.const 8)))
            (br $panels)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $blocks))))

  ;; The filter gradient of conv2d over output pixels p0 <= p < p1, added to dw:
  ;;   dw[(t*cin4 + ci)*cout8 + co] += sum over p of x[tap t of p, ci] * dy[p, co]
  ;; (cin4, cout8: cin and cout rounded up to 4 and 8; the padding rows and columns get
  ;; garbage and are dropped by the caller). Pixels go in blocks of 64 whose tap addresses are
  ;; computed once (scratch: 256*KH*KW bytes); per block, tap, 4 input channels and 8 output
  ;; channels the 4 x 8 tile of dw is loaded, updated with the block's 64 pixels and stored.
  (func (export "conv2d_filter_grad") (param $dw i32) (param $x i32) (param $dy i32) (param $zero i32) (param $scratch i32)
    (param $geo i32) (param $p0 i32) (param $p1 i32) (param $cin4 i32) (param $cout8 i32)
    (local $p i32) (local $cnt i32) (local $t i32) (local $T i32) (local $ci i32) (local $co i32)
    (local $cin i32) (local $cout i32) (local $kk i32) (local $pd i32) (local $rs i32) (local $pi i32) (local $pdy i32)
    (local $dyStride i32) (local $pa i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $cin (i32.load offset={conv.cin} (local.get $geo)))
    (local.set $cout (i32.load offset={conv.cout} (local.get $geo)))
    (local.set $T (i32.mul (i32.load offset={conv.KH} (local.get $geo)) (i32.load offset={conv.KW} (local.get $geo))))
    (local.set $rs (i32.shl (local.get $cout8) (i32.const 2)))
    (local.set $dyStride (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $p (local.get $p0))
    (block $doneP
      (loop $blocks
        (br_if $doneP (i32.ge_s (local.get $p) (local.get $p1)))
        (local.set $cnt (i32.sub (local.get $p1) (local.get $p)))
        (if (i32.gt_s (local.get $cnt) (i32.const 64)) (then (local.set $cnt (i32.const 64))))
        (call $indirection (local.get $scratch) (i32.const 256) (local.get $x) (local.get $zero) (local.get $geo)
          (local.get $p) (i32.add (local.get $p) (local.get $cnt)))
        (local.set $t (i32.const 0))
        (loop $taps
          (local.set $ci (i32.const 0))
          (loop $inBlocks
            (local.set $co (i32.const 0))
            (loop $outPanels
              (local.set $pd (i32.add (local.get $dw) (i32.shl
                (i32.add (i32.mul (i32.add (i32.mul (local.get $t) (local.get $cin4)) (local.get $ci)) (local.get $cout8)) (local.get $co))
                (i32.const 2))))
              (local.set $c00 (v128.load offset=0 (local.get $pd)))
              (local.set $c01 (v128.load offset=16 (local.get $pd)))
              (local.set $c10 (v128.load offset=0 (i32.add (local.get $pd) (local.get $rs))))
              (local.set $c11 (v128.load offset=16 (i32.add (local.get $pd) (local.get $rs))))
              (local.set $c20 (v128.load offset=0 (i32.add (local.get $pd) (i32.shl (local.get $rs) (i32.const 1)))))
              (local.set $c21 (v128.load offset=16 (i32.add (local.get $pd) (i32.shl (local.get $rs) (i32.const 1)))))
              (local.set $c30 (v128.load offset=0 (i32.add (local.get $pd) (i32.mul (local.get $rs) (i32.const 3)))))
              (local.set $c31 (v128.load offset=16 (i32.add (local.get $pd) (i32.mul (local.get $rs) (i32.const 3)))))
              (local.set $pi (i32.add (local.get $scratch) (i32.shl (local.get $t) (i32.const 8))))
              (local.set $pdy (i32.add (local.get $dy)
                (i32.add (i32.mul (local.get $p) (local.get $dyStride)) (i32.shl (local.get $co) (i32.const 2)))))
              (local.set $kk (local.get $cnt))
              (loop $steps
                (local.set $pa (i32.add (i32.load (local.get $pi)) (i32.shl (local.get $ci) (i32.const 2))))
                (local.set $b0 (v128.load offset=0 (local.get $pdy)))
                (local.set $b1 (v128.load offset=16 (local.get $pdy)))
                (local.set $av (v128.load32_splat offset=0 (local.get $pa)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $av (v128.load32_splat offset=4 (local.get $pa)))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $av (v128.load32_splat offset=8 (local.get $pa)))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $av (v128.load32_splat offset=12 (local.get $pa)))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
                (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
                (local.set $pi (i32.add (local.get $pi) (i32.const 4)))
                (local.set $pdy (i32.add (local.get $pdy) (local.get $dyStride)))
                (local.set $kk (i32.sub (local.get $kk) (i32.const 1)))
                (br_if $steps (local.get $kk)))
              (v128.store offset=0 (local.get $pd) (local.get $c00))
              (v128.store offset=16 (local.get $pd) (local.get $c01))
              (v128.store offset=0 (i32.add (local.get $pd) (local.get $rs)) (local.get $c10))
              (v128.store offset=16 (i32.add (local.get $pd) (local.get $rs)) (local.get $c11))
              (v128.store offset=0 (i32.add (local.get $pd) (i32.shl (local.get $rs) (i32.const 1))) (local.get $c20))
              (v128.store offset=16 (i32.add (local.get $pd) (i32.shl (local.get $rs) (i32.const 1))) (local.get $c21))
              (v128.store offset=0 (i32.add (local.get $pd) (i32.mul (local.get $rs) (i32.const 3))) (local.get $c30))
              (v128.store offset=16 (i32.add (local.get $pd) (i32.mul (local.get $rs) (i32.const 3))) (local.get $c31))
              (local.set $co (i32.add (local.get $co) (i32.const 8)))
              (br_if $outPanels (i32.lt_s (local.get $co) (local.get $cout))))
            (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
            (br_if $inBlocks (i32.lt_s (local.get $ci) (local.get $cin))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br_if $taps (i32.lt_s (local.get $t) (local.get $T))))
        (local.set $p (i32.add (local.get $p) (local.get $cnt)))
        (br $blocks))))

  ;; dst[i] += src[i] for i < count.
  (func (export "add_to") (param $dst i32) (param $src i32) (param $count i32)
    (local $end i32) (local $end4 i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $dst) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $vec
        (br_if $done4 (i32.ge_u (local.get $dst) (local.get $end4)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $vec)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $one))))

  ;; ---- Memory-bound kernels (one thread, run in place on any memory, e.g. tfjs's heap) ----

  ;; Strided copy of rows: for i < n0, j < n1, k < n2 copy `bytes` bytes
  ;;   from src + i*s0 + j*s1 + k*s2  to  dst + i*d0 + j*d1 + k*d2
  ;; (a slice or a padding of a tensor of rank <= 4 whose last axis is copied whole).
  (func (export "copy_rows") (param $dst i32) (param $src i32) (param $bytes i32)
    (param $n0 i32) (param $n1 i32) (param $n2 i32) (param $s0 i32) (param $s1 i32) (param $s2 i32)
    (param $d0 i32) (param $d1 i32) (param $d2 i32)
    (local $i i32) (local $j i32) (local $k i32) (local $si i32) (local $di i32) (local $sj i32) (local $dj i32)
    (local.set $i (i32.const 0))
    (block $doneI
      (loop $li
        (br_if $doneI (i32.ge_s (local.get $i) (local.get $n0)))
        (local.set $si (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $s0))))
        (local.set $di (i32.add (local.get $dst) (i32.mul (local.get $i) (local.get $d0))))
        (local.set $j (i32.const 0))
        (block $doneJ
          (loop $lj
            (br_if $doneJ (i32.ge_s (local.get $j) (local.get $n1)))
            (local.set $sj (i32.add (local.get $si) (i32.mul (local.get $j) (local.get $s1))))
            (local.set $dj (i32.add (local.get $di) (i32.mul (local.get $j) (local.get $d1))))
            (local.set $k (i32.const 0))
            (block $doneK
              (loop $lk
                (br_if $doneK (i32.ge_s (local.get $k) (local.get $n2)))
                (memory.copy (local.get $dj) (local.get $sj) (local.get $bytes))
                (local.set $sj (i32.add (local.get $sj) (local.get $s2)))
                (local.set $dj (i32.add (local.get $dj) (local.get $d2)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $lk)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $lj)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li))))

  ;; dst[i] = value for i < count.
  (func (export "fill") (param $dst i32) (param $count i32) (param $value f32)
    (local $end i32) (local $end4 i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $value)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $dst) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $vec
        (br_if $done4 (i32.ge_u (local.get $dst) (local.get $end4)))
        (v128.store (local.get $dst) (local.get $v))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $vec)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (local.get $value))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $one))))

  ;; A per-channel binary operation, channels the last axis (rows x cols, v: cols floats):
  ;;   op 0: src + v   1: src - v   2: src * v   3: src / v   4: v - src   5: v / src
  (func (export "channel_op") (param $dst i32) (param $src i32) (param $v i32) (param $rows i32) (param $cols i32) (param $op i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $pv i32) (local $a v128) (local $b v128) (local $x f32) (local $y f32)
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $doneR
      (loop $lr
        (br_if $doneR (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $pv (local.get $v))
        (local.set $c (i32.const 0))
        (block $done4
          (loop $l4
            (br_if $done4 (i32.ge_s (local.get $c) (local.get $c4)))
            (local.set $a (v128.load (local.get $src)))
            (local.set $b (v128.load (local.get $pv)))
            (v128.store (local.get $dst)
              (block $res (result v128)
                (block $o5 (block $o4 (block $o3 (block $o2 (block $o1 (block $o0
                  (br_table $o0 $o1 $o2 $o3 $o4 $o5 $o0 (local.get $op)))
                  (br $res (f32x4.add (local.get $a) (local.get $b))))
                  (br $res (f32x4.sub (local.get $a) (local.get $b))))
                  (br $res (f32x4.mul (local.get $a) (local.get $b))))
                  (br $res (f32x4.div (local.get $a) (local.get $b))))
                  (br $res (f32x4.sub (local.get $b) (local.get $a))))
                (f32x4.div (local.get $b) (local.get $a))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $pv (i32.add (local.get $pv) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $l4)))
        (block $done1
          (loop $l1
            (br_if $done1 (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $x (f32.load (local.get $src)))
            (local.set $y (f32.load (local.get $pv)))
            (f32.store (local.get $dst)
              (block $res1 (result f32)
                (block $p5 (block $p4 (block $p3 (block $p2 (block $p1 (block $p0
                  (br_table $p0 $p1 $p2 $p3 $p4 $p5 $p0 (local.get $op)))
                  (br $res1 (f32.add (local.get $x) (local.get $y))))
                  (br $res1 (f32.sub (local.get $x) (local.get $y))))
                  (br $res1 (f32.mul (local.get $x) (local.get $y))))
                  (br $res1 (f32.div (local.get $x) (local.get $y))))
                  (br $res1 (f32.sub (local.get $y) (local.get $x))))
                (f32.div (local.get $y) (local.get $x))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $pv (i32.add (local.get $pv) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $l1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr))))

  ;; Batch normalisation with per-channel constants (channels the last axis):
  ;;   dst[r, c] = (src[r, c] - mean[c]) * a[c] + b[c]      a = scale / sqrt(var + eps), b = offset
  (func (export "channel_norm") (param $dst i32) (param $src i32) (param $mean i32) (param $a i32) (param $b i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $o i32)
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $doneR
      (loop $lr
        (br_if $doneR (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $done4
          (loop $l4
            (br_if $done4 (i32.ge_s (local.get $c) (local.get $c4)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (v128.store (local.get $dst)
              (f32x4.add
                (f32x4.mul (f32x4.sub (v128.load (local.get $src)) (v128.load (i32.add (local.get $mean) (local.get $o))))
                  (v128.load (i32.add (local.get $a) (local.get $o))))
                (v128.load (i32.add (local.get $b) (local.get $o)))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $l4)))
        (block $done1
          (loop $l1
            (br_if $done1 (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (local.get $dst)
              (f32.add
                (f32.mul (f32.sub (f32.load (local.get $src)) (f32.load (i32.add (local.get $mean) (local.get $o))))
                  (f32.load (i32.add (local.get $a) (local.get $o))))
                (f32.load (i32.add (local.get $b) (local.get $o)))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $l1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr))))

  ;; Two activations combined with per-channel constants (channels the last axis), training batch
  ;; norm's input gradient in one pass:
  ;;   dst[r, c] = a[r, c] * ka[c] + (b[r, c] - mb[c]) * kb[c] + kc[c]
  (func (export "channel_combine") (param $dst i32) (param $a i32) (param $b i32) (param $mb i32) (param $ka i32) (param $kb i32) (param $kc i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $o i32)
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $r (i32.const 0))
    (block $doneR
      (loop $lr
        (br_if $doneR (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $done4
          (loop $l4
            (br_if $done4 (i32.ge_s (local.get $c) (local.get $c4)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (v128.store (local.get $dst)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (v128.load (local.get $a)) (v128.load (i32.add (local.get $ka) (local.get $o))))
                  (f32x4.mul (f32x4.sub (v128.load (local.get $b)) (v128.load (i32.add (local.get $mb) (local.get $o))))
                    (v128.load (i32.add (local.get $kb) (local.get $o)))))
                (v128.load (i32.add (local.get $kc) (local.get $o)))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $l4)))
        (block $done1
          (loop $l1
            (br_if $done1 (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (local.get $dst)
              (f32.add
                (f32.add
                  (f32.mul (f32.load (local.get $a)) (f32.load (i32.add (local.get $ka) (local.get $o))))
                  (f32.mul (f32.sub (f32.load (local.get $b)) (f32.load (i32.add (local.get $mb) (local.get $o))))
                    (f32.load (i32.add (local.get $kb) (local.get $o)))))
                (f32.load (i32.add (local.get $kc) (local.get $o)))))
            (local.set $a (i32.add (local.get $a) (i32.const 4)))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $l1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr))))

  ;; Column sums of a rows x cols matrix, divided by `divisor` (1 for a sum, rows for a mean):
  ;; dst[c] = (sum over r of src[r, c]) / divisor. Rows are summed in blocks of 256 whose partial
  ;; sums are then added, which keeps float32 rounding small for long columns. scratch: 4*cols bytes.
  (func (export "col_sums") (param $dst i32) (param $src i32) (param $rows i32) (param $cols i32) (param $divisor f32) (param $scratch i32)
    (local $r0 i32) (local $r1 i32) (local $r i32) (local $c i32) (local $c4 i32) (local $stride i32) (local $p i32) (local $acc v128) (local $s f32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (memory.fill (local.get $dst) (i32.const 0) (local.get $stride))
    (local.set $r0 (i32.const 0))
    (block $doneBlocks
      (loop $blocks
        (br_if $doneBlocks (i32.ge_s (local.get $r0) (local.get $rows)))
        (local.set $r1 (i32.add (local.get $r0) (i32.const 256)))
        (if (i32.gt_s (local.get $r1) (local.get $rows)) (then (local.set $r1 (local.get $rows))))
        (local.set $c (i32.const 0))
        (block $done4
          (loop $l4
            (br_if $done4 (i32.ge_s (local.get $c) (local.get $c4)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $src) (i32.add (i32.mul (local.get $r0) (local.get $stride)) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $r (local.get $r0))
            (loop $lr
              (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p))))
              (local.set $p (i32.add (local.get $p) (local.get $stride)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $lr (i32.lt_s (local.get $r) (local.get $r1))))
            (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $acc)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $l4)))
        (block $done1
          (loop $l1
            (br_if $done1 (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $s (f32.const 0))
            (local.set $p (i32.add (local.get $src) (i32.add (i32.mul (local.get $r0) (local.get $stride)) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $r (local.get $r0))
            (loop $lr1
              (local.set $s (f32.add (local.get $s) (f32.load (local.get $p))))
              (local.set $p (i32.add (local.get $p) (local.get $stride)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $lr1 (i32.lt_s (local.get $r) (local.get $r1))))
            (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $s)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $l1)))
        (local.set $r0 (local.get $r1))
        (br $blocks)))
    (if (f32.ne (local.get $divisor) (f32.const 1))
      (then
        (local.set $c (i32.const 0))
        (block $doneD
          (loop $ld
            (br_if $doneD (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (f32.store (local.get $p) (f32.div (f32.load (local.get $p)) (local.get $divisor)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $ld))))))

  ;; Per-channel sums of products of deviations over the rows of rows x cols matrices (channels
  ;; the last axis): dst[c] = sum over r of (a[r, c] - meanA[c]) * (b[r, c] - meanB[c]); training
  ;; batch norm's variance and gradient reductions. Rows in blocks of 256 summed separately, as col_sums.
  (func (export "channel_dot") (param $dst i32) (param $a i32) (param $b i32) (param $meanA i32) (param $mean i32) (param $rows i32) (param $cols i32)
    (local $r0 i32) (local $r1 i32) (local $r i32) (local $c i32) (local $c4 i32) (local $stride i32) (local $pa i32) (local $pb i32) (local $p i32)
    (local $acc v128) (local $m v128) (local $ma v128) (local $s f32) (local $ms f32) (local $mas f32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (memory.fill (local.get $dst) (i32.const 0) (local.get $stride))
    (local.set $r0 (i32.const 0))
    (block $doneBlocks
      (loop $blocks
        (br_if $doneBlocks (i32.ge_s (local.get $r0) (local.get $rows)))
        (local.set $r1 (i32.add (local.get $r0) (i32.const 256)))
        (if (i32.gt_s (local.get $r1) (local.get $rows)) (then (local.set $r1 (local.get $rows))))
        (local.set $c (i32.const 0))
        (block $done4
          (loop $l4
            (br_if $done4 (i32.ge_s (local.get $c) (local.get $c4)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $m (v128.load (i32.add (local.get $mean) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $ma (v128.load (i32.add (local.get $meanA) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $p (i32.add (i32.mul (local.get $r0) (local.get $stride)) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $pa (i32.add (local.get $a) (local.get $p)))
            (local.set $pb (i32.add (local.get $b) (local.get $p)))
            (local.set $r (local.get $r0))
            (loop $lr
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.sub (v128.load (local.get $pa)) (local.get $ma)) (f32x4.sub (v128.load (local.get $pb)) (local.get $m)))))
              (local.set $pa (i32.add (local.get $pa) (local.get $stride)))
              (local.set $pb (i32.add (local.get $pb) (local.get $stride)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $lr (i32.lt_s (local.get $r) (local.get $r1))))
            (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $acc)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $l4)))
        (block $done1
          (loop $l1
            (br_if $done1 (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $s (f32.const 0))
            (local.set $ms (f32.load (i32.add (local.get $mean) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $mas (f32.load (i32.add (local.get $meanA) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $p (i32.add (i32.mul (local.get $r0) (local.get $stride)) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $pa (i32.add (local.get $a) (local.get $p)))
            (local.set $pb (i32.add (local.get $b) (local.get $p)))
            (local.set $r (local.get $r0))
            (loop $lr1
              (local.set $s (f32.add (local.get $s) (f32.mul (f32.sub (f32.load (local.get $pa)) (local.get $mas)) (f32.sub (f32.load (local.get $pb)) (local.get $ms)))))
              (local.set $pa (i32.add (local.get $pa) (local.get $stride)))
              (local.set $pb (i32.add (local.get $pb) (local.get $stride)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $lr1 (i32.lt_s (local.get $r) (local.get $r1))))
            (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $s)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $l1)))
        (local.set $r0 (local.get $r1))
        (br $blocks))))

  ;; The gradient of a max pool (NHWC): dx = 0, then every window's dy goes to the window's first
  ;; maximal pixel in row-major order, padding excluded (tfjs's cpu backend's rule); 4 channels at
  ;; a time, the rest one by one. geo points at the maxpool block (params.ts): H W C OH OW KH KW sh sw pt pl N.
  (func (export "maxpool_grad") (param $dx i32) (param $x i32) (param $dy i32) (param $geo i32)
    (local $H i32) (local $W i32) (local $C i32) (local $OH i32) (local $OW i32) (local $KH i32) (local $KW i32)
    (local $sh i32) (local $sw i32) (local $pt i32) (local $pl i32) (local $N i32)
    (local $n i32) (local $oh i32) (local $ow i32) (local $c i32) (local $kh i32) (local $kw i32) (local $ih i32) (local $iw i32)
    (local $best f32) (local $at i32) (local $v f32) (local $off i32) (local $pdy i32) (local $base i32)
    (local $C4 i32) (local $found i32) (local $vv v128) (local $bestv v128) (local $atv v128) (local $mask v128) (local $g v128) (local $q i32)
    (local.set $H (i32.load offset={maxpool.H} (local.get $geo)))
    (local.set $W (i32.load offset={maxpool.W} (local.get $geo)))
    (local.set $C (i32.load offset={maxpool.C} (local.get $geo)))
    (local.set $OH (i32.load offset={maxpool.OH} (local.get $geo)))
    (local.set $OW (i32.load offset={maxpool.OW} (local.get $geo)))
    (local.set $KH (i32.load offset={maxpool.KH} (local.get $geo)))
    (local.set $KW (i32.load offset={maxpool.KW} (local.get $geo)))
    (local.set $sh (i32.load offset={maxpool.sh} (local.get $geo)))
    (local.set $sw (i32.load offset={maxpool.sw} (local.get $geo)))
    (local.set $pt (i32.load offset={maxpool.pt} (local.get $geo)))
    (local.set $pl (i32.load offset={maxpool.pl} (local.get $geo)))
    (local.set $N (i32.load offset={maxpool.N} (local.get $geo)))
    (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (i32.mul (local.get $N) (local.get $H)) (local.get $W)) (local.get $C)) (i32.const 2)))
    (local.set $pdy (local.get $dy))
    (local.set $n (i32.const 0))
    (block $doneN (loop $ln
      (br_if $doneN (i32.ge_s (local.get $n) (local.get $N)))
      (local.set $base (i32.mul (i32.mul (local.get $n) (local.get $H)) (local.get $W)))
      (local.set $oh (i32.const 0))
      (block $doneOH (loop $loh
        (br_if $doneOH (i32.ge_s (local.get $oh) (local.get $OH)))
        (local.set $ow (i32.const 0))
        (block $doneOW (loop $low
          (br_if $doneOW (i32.ge_s (local.get $ow) (local.get $OW)))
          (local.set $c (i32.const 0))
          ;; 4 channels at a time: the first maximal tap per lane (strictly greater replaces)
          (block $doneC4 (loop $lc4
            (br_if $doneC4 (i32.ge_s (local.get $c) (local.get $C4)))
            (local.set $found (i32.const 0))
            (local.set $kh (i32.const 0))
            (block $doneKH4 (loop $lkh4
              (br_if $doneKH4 (i32.ge_s (local.get $kh) (local.get $KH)))
              (local.set $ih (i32.add (i32.sub (i32.mul (local.get $oh) (local.get $sh)) (local.get $pt)) (local.get $kh)))
              (if (i32.lt_u (local.get $ih) (local.get $H))
                (then
                  (local.set $kw (i32.const 0))
                  (block $doneKW4 (loop $lkw4
                    (br_if $doneKW4 (i32.ge_s (local.get $kw) (local.get $KW)))
                    (local.set $iw (i32.add (i32.sub (i32.mul (local.get $ow) (local.get $sw)) (local.get $pl)) (local.get $kw)))
                    (if (i32.lt_u (local.get $iw) (local.get $W))
                      (then
                        (local.set $off (i32.shl (i32.add (i32.mul (i32.add (i32.add (local.get $base) (i32.mul (local.get $ih) (local.get $W))) (local.get $iw)) (local.get $C)) (local.get $c)) (i32.const 2)))
                        (local.set $vv (v128.load (i32.add (local.get $x) (local.get $off))))
                        (if (local.get $found)
                          (then
                            (local.set $mask (f32x4.gt (local.get $vv) (local.get $bestv)))
                            (local.set $bestv (v128.bitselect (local.get $vv) (local.get $bestv) (local.get $mask)))
                            (local.set $atv (v128.bitselect (i32x4.splat (local.get $off)) (local.get $atv) (local.get $mask))))
                          (else
                            (local.set $bestv (local.get $vv))
                            (local.set $atv (i32x4.splat (local.get $off)))
                            (local.set $found (i32.const 1))))))
                    (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
                    (br $lkw4)))))
              (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
              (br $lkh4)))
            (if (local.get $found)
              (then
                (local.set $g (v128.load (local.get $pdy)))
                (local.set $q (i32.add (local.get $dx) (i32x4.extract_lane 0 (local.get $atv))))
                (f32.store offset=0 (local.get $q) (f32.add (f32.load offset=0 (local.get $q)) (f32x4.extract_lane 0 (local.get $g))))
                (local.set $q (i32.add (local.get $dx) (i32x4.extract_lane 1 (local.get $atv))))
                (f32.store offset=4 (local.get $q) (f32.add (f32.load offset=4 (local.get $q)) (f32x4.extract_lane 1 (local.get $g))))
                (local.set $q (i32.add (local.get $dx) (i32x4.extract_lane 2 (local.get $atv))))
                (f32.store offset=8 (local.get $q) (f32.add (f32.load offset=8 (local.get $q)) (f32x4.extract_lane 2 (local.get $g))))
                (local.set $q (i32.add (local.get $dx) (i32x4.extract_lane 3 (local.get $atv))))
                (f32.store offset=12 (local.get $q) (f32.add (f32.load offset=12 (local.get $q)) (f32x4.extract_lane 3 (local.get $g))))))
            (local.set $pdy (i32.add (local.get $pdy) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $lc4)))
          (block $doneC (loop $lc
            (br_if $doneC (i32.ge_s (local.get $c) (local.get $C)))
            (local.set $best (f32.const -inf))
            (local.set $at (i32.const -1))
            (local.set $kh (i32.const 0))
            (block $doneKH (loop $lkh
              (br_if $doneKH (i32.ge_s (local.get $kh) (local.get $KH)))
              (local.set $ih (i32.add (i32.sub (i32.mul (local.get $oh) (local.get $sh)) (local.get $pt)) (local.get $kh)))
              (if (i32.lt_u (local.get $ih) (local.get $H))
                (then
                  (local.set $kw (i32.const 0))
                  (block $doneKW (loop $lkw
                    (br_if $doneKW (i32.ge_s (local.get $kw) (local.get $KW)))
                    (local.set $iw (i32.add (i32.sub (i32.mul (local.get $ow) (local.get $sw)) (local.get $pl)) (local.get $kw)))
                    (if (i32.lt_u (local.get $iw) (local.get $W))
                      (then
                        (local.set $off (i32.shl (i32.add (i32.mul (i32.add (i32.add (local.get $base) (i32.mul (local.get $ih) (local.get $W))) (local.get $iw)) (local.get $C)) (local.get $c)) (i32.const 2)))
                        (local.set $v (f32.load (i32.add (local.get $x) (local.get $off))))
                        (if (i32.or (i32.lt_s (local.get $at) (i32.const 0)) (f32.gt (local.get $v) (local.get $best)))
                          (then (local.set $best (local.get $v)) (local.set $at (local.get $off))))))
                    (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
                    (br $lkw)))))
              (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
              (br $lkh)))
            (if (i32.ge_s (local.get $at) (i32.const 0))
              (then
                (local.set $off (i32.add (local.get $dx) (local.get $at)))
                (f32.store (local.get $off) (f32.add (f32.load (local.get $off)) (f32.load (local.get $pdy))))))
            (local.set $pdy (i32.add (local.get $pdy) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $lc)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $low)))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $loh)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $ln))))

  ;; ---- Winograd convolution F(m x m, r x r), stride 1, NHWC, weights per position ----
  ;; prm points at the winograd block (params.ts): N H W cin cout m T padTop padLeft outH outW tilesH tilesW BT AT B A f4x4:
  ;; the transform matrices B^T (T x T), A^T (m x T) and their transposes B, A, each in the
  ;; shared sparse encoding (src/wasm/lib/sparse.wat); f4x4 = 1 when they are F(4x4,3x3)'s
  ;; standard ones, for the written-out transforms. Tile p = (n*tilesH + th)*tilesW + tw
  ;; reads input rows th*m - padTop + k and columns tw*m - padLeft + l, k, l < T. Channel vectors
  ;; go 4 at a time; chunk buffers hold rows of cin4 / cout4 floats (channels rounded up to 4).
  ;; Chunk buffers: V, dV [T*T][cnt][cin4]; M, dM [T*T][cnt][cout4] (position q = i*T + j).
  ;; Scratch: D at scratch + 2048 and E at scratch + 3072, T*T vectors each (one tile of one
  ;; channel vector; E the transforms' intermediate).
  {include sparse}

  ;; Input transform of tiles p0 .. p0+cnt-1: V[q][t][c] = (B^T d_t B)[i][j] for channel vector
  ;; c: each tile's T x T pixels read straight from x inside the image, else gathered with zeros
  ;; into D; F(4x4,3x3) through the library's $btF4x4, any other tile its $transformTile.
  (func $winoIn (param $prm i32) (param $x i32) (param $V i32) (param $p0 i32) (param $cnt i32) (param $scratch i32)
    (local $H i32) (local $W i32) (local $cin i32) (local $cin4 i32) (local $m i32) (local $T i32) (local $tilesH i32) (local $tilesW i32)
    (local $t i32) (local $p i32) (local $n i32) (local $th i32) (local $tw i32) (local $h0 i32) (local $w0 i32)
    (local $c i32) (local $k i32) (local $l i32) (local $h i32) (local $w i32) (local $D i32) (local $E i32)
    (local $rowBytes i32) (local $pixBytes i32) (local $qs i32) (local $inside i32) (local $src i32) (local $srcRow i32) (local $srcCol i32) (local $dst i32)
    (local.set $H (i32.load offset={winograd.H} (local.get $prm)))
    (local.set $W (i32.load offset={winograd.W} (local.get $prm)))
    (local.set $cin (i32.load offset={winograd.cin} (local.get $prm)))
    (local.set $cin4 (i32.and (i32.add (local.get $cin) (i32.const 3)) (i32.const -4)))
    (local.set $m (i32.load offset={winograd.m} (local.get $prm)))
    (local.set $T (i32.load offset={winograd.T} (local.get $prm)))
    (local.set $tilesH (i32.load offset={winograd.tilesH} (local.get $prm)))
    (local.set $tilesW (i32.load offset={winograd.tilesW} (local.get $prm)))
    (local.set $pixBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $W) (local.get $pixBytes)))
    (local.set $qs (i32.shl (i32.mul (local.get $cnt) (local.get $cin4)) (i32.const 2)))
    (local.set $D (i32.add (local.get $scratch) (i32.const 2048)))
    (local.set $E (i32.add (local.get $scratch) (i32.const 3072)))
    (local.set $t (i32.const 0))
    (block $doneT (loop $lt
      (br_if $doneT (i32.ge_s (local.get $t) (local.get $cnt)))
      (local.set $p (i32.add (local.get $p0) (local.get $t)))
      (local.set $n (i32.div_u (local.get $p) (i32.mul (local.get $tilesH) (local.get $tilesW))))
      (local.set $th (i32.sub (i32.div_u (local.get $p) (local.get $tilesW)) (i32.mul (local.get $n) (local.get $tilesH))))
      (local.set $tw (i32.rem_u (local.get $p) (local.get $tilesW)))
      (local.set $h0 (i32.sub (i32.mul (local.get $th) (local.get $m)) (i32.load offset={winograd.padTop} (local.get $prm))))
      (local.set $w0 (i32.sub (i32.mul (local.get $tw) (local.get $m)) (i32.load offset={winograd.padLeft} (local.get $prm))))
      (local.set $inside (i32.and
        (i32.and (i32.ge_s (local.get $h0) (i32.const 0)) (i32.le_s (i32.add (local.get $h0) (local.get $T)) (local.get $H)))
        (i32.and (i32.ge_s (local.get $w0) (i32.const 0)) (i32.le_s (i32.add (local.get $w0) (local.get $T)) (local.get $W)))))
      (local.set $c (i32.const 0))
      (loop $lc
        (if (local.get $inside)
          (then
            (local.set $src (i32.add (local.get $x) (i32.add
              (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $h0)) (local.get $rowBytes))
                (i32.mul (local.get $w0) (local.get $pixBytes)))
              (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $srcRow (local.get $rowBytes))
            (local.set $srcCol (local.get $pixBytes)))
          (else
            ;; D[k][l] = the tile's pixel (h0 + k, w0 + l), zero outside the image
            (local.set $k (i32.const 0))
            (loop $lk
              (local.set $h (i32.add (local.get $h0) (local.get $k)))
              (local.set $l (i32.const 0))
              (loop $ll
                (local.set $w (i32.add (local.get $w0) (local.get $l)))
                (v128.store (i32.add (local.get $D) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $T)) (local.get $l)) (i32.const 4)))
                  (if (result v128) (i32.and (i32.lt_u (local.get $h) (local.get $H)) (i32.lt_u (local.get $w) (local.get $W)))
                    (then (v128.load (i32.add (local.get $x) (i32.add
                      (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $h)) (local.get $rowBytes)) (i32.mul (local.get $w) (local.get $pixBytes)))
                      (i32.shl (local.get $c) (i32.const 2))))))
                    (else (v128.const i32x4 0 0 0 0))))
                (local.set $l (i32.add (local.get $l) (i32.const 1)))
                (br_if $ll (i32.lt_s (local.get $l) (local.get $T))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $lk (i32.lt_s (local.get $k) (local.get $T))))
            (local.set $src (local.get $D))
            (local.set $srcRow (i32.shl (local.get $T) (i32.const 4)))
            (local.set $srcCol (i32.const 16))))
        (local.set $dst (i32.add (local.get $V) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $cin4)) (local.get $c)) (i32.const 2))))
        (if (i32.load offset={winograd.f4x4} (local.get $prm))
          (then (call $btF4x4 (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $dst)
            (i32.mul (local.get $qs) (i32.const 6)) (local.get $qs) (local.get $E)))
          (else (call $transformTile (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $dst)
            (i32.mul (local.get $qs) (local.get $T)) (local.get $qs) (local.get $E) (i32.load offset={winograd.BT} (local.get $prm)) (local.get $T) (local.get $T))))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br_if $lc (i32.lt_s (local.get $c) (local.get $cin))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $lt))))

  ;; Output transform of tiles p0 .. p0+cnt-1: y[tile pixel (u, v)][c] = (A^T M_t A)[u][v] + bias[c],
  ;; through D (m x m vectors; F(4x4,3x3) by the library's $atF4x4, any other tile its
  ;; $transformTile), pixels outside the output dropped. bias: cout4 floats, or 0.
  (func $winoOut (param $prm i32) (param $y i32) (param $M i32) (param $p0 i32) (param $cnt i32) (param $bias i32) (param $scratch i32)
    (local $cout i32) (local $cout4 i32) (local $m i32) (local $T i32) (local $outH i32) (local $outW i32) (local $tilesH i32) (local $tilesW i32)
    (local $t i32) (local $p i32) (local $n i32) (local $th i32) (local $tw i32) (local $c i32) (local $u i32)
    (local $oh i32) (local $ow i32) (local $D i32) (local $E i32) (local $qs i32) (local $pix i32) (local $rowBytes i32) (local $cols i32) (local $lanes i32) (local $src i32) (local $b v128)
    (local.set $cout (i32.load offset={winograd.cout} (local.get $prm)))
    (local.set $cout4 (i32.and (i32.add (local.get $cout) (i32.const 3)) (i32.const -4)))
    (local.set $m (i32.load offset={winograd.m} (local.get $prm)))
    (local.set $T (i32.load offset={winograd.T} (local.get $prm)))
    (local.set $outH (i32.load offset={winograd.outH} (local.get $prm)))
    (local.set $outW (i32.load offset={winograd.outW} (local.get $prm)))
    (local.set $tilesH (i32.load offset={winograd.tilesH} (local.get $prm)))
    (local.set $tilesW (i32.load offset={winograd.tilesW} (local.get $prm)))
    (local.set $qs (i32.shl (i32.mul (local.get $cnt) (local.get $cout4)) (i32.const 2)))
    (local.set $pix (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $outW) (local.get $pix)))
    (local.set $D (i32.add (local.get $scratch) (i32.const 2048)))
    (local.set $E (i32.add (local.get $scratch) (i32.const 3072)))
    (local.set $t (i32.const 0))
    (block $doneT (loop $lt
      (br_if $doneT (i32.ge_s (local.get $t) (local.get $cnt)))
      (local.set $p (i32.add (local.get $p0) (local.get $t)))
      (local.set $n (i32.div_u (local.get $p) (i32.mul (local.get $tilesH) (local.get $tilesW))))
      (local.set $th (i32.sub (i32.div_u (local.get $p) (local.get $tilesW)) (i32.mul (local.get $n) (local.get $tilesH))))
      (local.set $tw (i32.rem_u (local.get $p) (local.get $tilesW)))
      (local.set $ow (i32.mul (local.get $tw) (local.get $m)))
      (local.set $cols (i32.sub (local.get $outW) (local.get $ow)))
      (if (i32.gt_s (local.get $cols) (local.get $m)) (then (local.set $cols (local.get $m))))
      (local.set $c (i32.const 0))
      (loop $lc
        (local.set $src (i32.add (local.get $M) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $cout4)) (local.get $c)) (i32.const 2))))
        (if (i32.load offset={winograd.f4x4} (local.get $prm))
          (then (call $atF4x4 (local.get $src) (i32.mul (local.get $qs) (i32.const 6)) (local.get $qs) (local.get $D) (local.get $E)))
          (else (call $transformTile (local.get $src) (i32.mul (local.get $qs) (local.get $T)) (local.get $qs) (local.get $D) (i32.shl (local.get $m) (i32.const 4)) (i32.const 16)
            (local.get $E) (i32.load offset={winograd.AT} (local.get $prm)) (local.get $m) (local.get $T))))
        (local.set $b (if (result v128) (local.get $bias)
          (then (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
          (else (v128.const i32x4 0 0 0 0))))
        (local.set $lanes (i32.sub (local.get $cout) (local.get $c)))
        (local.set $u (i32.const 0))
        (loop $lu
          (local.set $oh (i32.add (i32.mul (local.get $th) (local.get $m)) (local.get $u)))
          (if (i32.lt_s (local.get $oh) (local.get $outH))
            (then (call $storeRow (i32.add (local.get $D) (i32.shl (i32.mul (local.get $u) (local.get $m)) (i32.const 4)))
              (i32.add (local.get $y) (i32.add (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $outH)) (local.get $oh)) (local.get $rowBytes))
                (i32.mul (local.get $ow) (local.get $pix))) (i32.shl (local.get $c) (i32.const 2))))
              (local.get $pix) (local.get $cols) (local.get $lanes) (local.get $b))))
          (local.set $u (i32.add (local.get $u) (i32.const 1)))
          (br_if $lu (i32.lt_s (local.get $u) (local.get $m))))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br_if $lc (i32.lt_s (local.get $c) (local.get $cout))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $lt))))

  ;; One output row of a tile: src[v] + bias (vectors 16 bytes apart) at p + v * s for v < n,
  ;; `lanes` channels each.
  (func $storeRow (param $src i32) (param $p i32) (param $s i32) (param $n i32) (param $lanes i32) (param $bias v128)
    (local $v i32) (local $r v128)
    (block $done (loop $pixels
      (br_if $done (i32.ge_s (local.get $v) (local.get $n)))
      (local.set $r (f32x4.add (v128.load (local.get $src)) (local.get $bias)))
      (if (i32.ge_s (local.get $lanes) (i32.const 4))
        (then (v128.store (local.get $p) (local.get $r)))
        (else (call $storeLanes (local.get $p) (local.get $r) (local.get $lanes))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $p (i32.add (local.get $p) (local.get $s)))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br $pixels))))

  ;; Adjoint of the output transform: dM[q = i*T + j][t][c] = (A dy_t A^T)[i][j], dy_t the tile's
  ;; m x m output gradient, read straight from dy inside the output, else gathered with zeros
  ;; into D; F(4x4,3x3) through $aF4x4, any other tile the library's $transformTile.
  (func $winoDOut (param $prm i32) (param $dy i32) (param $dM i32) (param $p0 i32) (param $cnt i32) (param $scratch i32)
    (local $cout i32) (local $cout4 i32) (local $m i32) (local $T i32) (local $outH i32) (local $outW i32) (local $tilesH i32) (local $tilesW i32)
    (local $t i32) (local $p i32) (local $n i32) (local $th i32) (local $tw i32) (local $c i32) (local $u i32) (local $v i32)
    (local $oh i32) (local $ow i32) (local $D i32) (local $E i32) (local $qs i32) (local $pix i32) (local $rowBytes i32) (local $inside i32)
    (local $src i32) (local $srcRow i32) (local $srcCol i32) (local $dst i32)
    (local.set $cout (i32.load offset={winograd.cout} (local.get $prm)))
    (local.set $cout4 (i32.and (i32.add (local.get $cout) (i32.const 3)) (i32.const -4)))
    (local.set $m (i32.load offset={winograd.m} (local.get $prm)))
    (local.set $T (i32.load offset={winograd.T} (local.get $prm)))
    (local.set $outH (i32.load offset={winograd.outH} (local.get $prm)))
    (local.set $outW (i32.load offset={winograd.outW} (local.get $prm)))
    (local.set $tilesH (i32.load offset={winograd.tilesH} (local.get $prm)))
    (local.set $tilesW (i32.load offset={winograd.tilesW} (local.get $prm)))
    (local.set $qs (i32.shl (i32.mul (local.get $cnt) (local.get $cout4)) (i32.const 2)))
    (local.set $pix (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $outW) (local.get $pix)))
    (local.set $D (i32.add (local.get $scratch) (i32.const 2048)))
    (local.set $E (i32.add (local.get $scratch) (i32.const 3072)))
    (local.set $t (i32.const 0))
    (block $doneT (loop $lt
      (br_if $doneT (i32.ge_s (local.get $t) (local.get $cnt)))
      (local.set $p (i32.add (local.get $p0) (local.get $t)))
      (local.set $n (i32.div_u (local.get $p) (i32.mul (local.get $tilesH) (local.get $tilesW))))
      (local.set $th (i32.sub (i32.div_u (local.get $p) (local.get $tilesW)) (i32.mul (local.get $n) (local.get $tilesH))))
      (local.set $tw (i32.rem_u (local.get $p) (local.get $tilesW)))
      (local.set $inside (i32.and (i32.le_s (i32.mul (i32.add (local.get $th) (i32.const 1)) (local.get $m)) (local.get $outH))
                                  (i32.le_s (i32.mul (i32.add (local.get $tw) (i32.const 1)) (local.get $m)) (local.get $outW))))
      (local.set $c (i32.const 0))
      (loop $lc
        (if (local.get $inside)
          (then
            (local.set $src (i32.add (local.get $dy) (i32.add (i32.add
              (i32.mul (i32.add (i32.mul (local.get $n) (local.get $outH)) (i32.mul (local.get $th) (local.get $m))) (local.get $rowBytes))
              (i32.mul (i32.mul (local.get $tw) (local.get $m)) (local.get $pix))) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $srcRow (local.get $rowBytes))
            (local.set $srcCol (local.get $pix)))
          (else
            ;; D[u][v] = dy at tile pixel (u, v), zero outside the output
            (local.set $u (i32.const 0))
            (loop $lu
              (local.set $oh (i32.add (i32.mul (local.get $th) (local.get $m)) (local.get $u)))
              (local.set $v (i32.const 0))
              (loop $lv
                (local.set $ow (i32.add (i32.mul (local.get $tw) (local.get $m)) (local.get $v)))
                (v128.store (i32.add (local.get $D) (i32.shl (i32.add (i32.mul (local.get $u) (local.get $m)) (local.get $v)) (i32.const 4)))
                  (if (result v128) (i32.and (i32.lt_s (local.get $oh) (local.get $outH)) (i32.lt_s (local.get $ow) (local.get $outW)))
                    (then (v128.load (i32.add (local.get $dy) (i32.add (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $outH)) (local.get $oh)) (local.get $rowBytes))
                      (i32.mul (local.get $ow) (local.get $pix))) (i32.shl (local.get $c) (i32.const 2))))))
                    (else (v128.const i32x4 0 0 0 0))))
                (local.set $v (i32.add (local.get $v) (i32.const 1)))
                (br_if $lv (i32.lt_s (local.get $v) (local.get $m))))
              (local.set $u (i32.add (local.get $u) (i32.const 1)))
              (br_if $lu (i32.lt_s (local.get $u) (local.get $m))))
            (local.set $src (local.get $D))
            (local.set $srcRow (i32.shl (local.get $m) (i32.const 4)))
            (local.set $srcCol (i32.const 16))))
        (local.set $dst (i32.add (local.get $dM) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $cout4)) (local.get $c)) (i32.const 2))))
        (if (i32.load offset={winograd.f4x4} (local.get $prm))
          (then (call $aF4x4 (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $dst)
            (i32.mul (local.get $qs) (i32.const 6)) (local.get $qs) (local.get $E)))
          (else (call $transformTile (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $dst)
            (i32.mul (local.get $qs) (local.get $T)) (local.get $qs) (local.get $E) (i32.load offset={winograd.A} (local.get $prm)) (local.get $T) (local.get $m))))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br_if $lc (i32.lt_s (local.get $c) (local.get $cout))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $lt))))

  ;; Adjoint of the input transform: each tile's contribution B dV_t B^T to the input gradient
  ;; (F(4x4,3x3) through $bF4x4, any other tile the library's $transformTile) into D, then added
  ;; into dx at the tile's pixels, row by row (pixels outside the input dropped).
  (func $winoDIn (param $prm i32) (param $dx i32) (param $dV i32) (param $p0 i32) (param $cnt i32) (param $scratch i32)
    (local $H i32) (local $W i32) (local $cin i32) (local $cin4 i32) (local $T i32) (local $m i32) (local $tilesH i32) (local $tilesW i32)
    (local $t i32) (local $p i32) (local $n i32) (local $th i32) (local $tw i32) (local $h i32) (local $h0 i32) (local $w0 i32)
    (local $c i32) (local $k i32) (local $l0 i32) (local $l1 i32) (local $D i32) (local $E i32) (local $qs i32) (local $pix i32) (local $src i32)
    (local.set $H (i32.load offset={winograd.H} (local.get $prm)))
    (local.set $W (i32.load offset={winograd.W} (local.get $prm)))
    (local.set $cin (i32.load offset={winograd.cin} (local.get $prm)))
    (local.set $cin4 (i32.and (i32.add (local.get $cin) (i32.const 3)) (i32.const -4)))
    (local.set $m (i32.load offset={winograd.m} (local.get $prm)))
    (local.set $T (i32.load offset={winograd.T} (local.get $prm)))
    (local.set $tilesH (i32.load offset={winograd.tilesH} (local.get $prm)))
    (local.set $tilesW (i32.load offset={winograd.tilesW} (local.get $prm)))
    (local.set $qs (i32.shl (i32.mul (local.get $cnt) (local.get $cin4)) (i32.const 2)))
    (local.set $pix (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $D (i32.add (local.get $scratch) (i32.const 2048)))
    (local.set $E (i32.add (local.get $scratch) (i32.const 3072)))
    (local.set $t (i32.const 0))
    (block $doneT (loop $lt
      (br_if $doneT (i32.ge_s (local.get $t) (local.get $cnt)))
      (local.set $p (i32.add (local.get $p0) (local.get $t)))
      (local.set $n (i32.div_u (local.get $p) (i32.mul (local.get $tilesH) (local.get $tilesW))))
      (local.set $th (i32.sub (i32.div_u (local.get $p) (local.get $tilesW)) (i32.mul (local.get $n) (local.get $tilesH))))
      (local.set $tw (i32.rem_u (local.get $p) (local.get $tilesW)))
      (local.set $h0 (i32.sub (i32.mul (local.get $th) (local.get $m)) (i32.load offset={winograd.padTop} (local.get $prm))))
      (local.set $w0 (i32.sub (i32.mul (local.get $tw) (local.get $m)) (i32.load offset={winograd.padLeft} (local.get $prm))))
      ;; the tile's columns inside the input: l0 <= l < l1
      (local.set $l0 (select (i32.sub (i32.const 0) (local.get $w0)) (i32.const 0) (i32.lt_s (local.get $w0) (i32.const 0))))
      (local.set $l1 (select (i32.sub (local.get $W) (local.get $w0)) (local.get $T) (i32.lt_s (i32.sub (local.get $W) (local.get $w0)) (local.get $T))))
      (local.set $c (i32.const 0))
      (loop $lc
        (local.set $src (i32.add (local.get $dV) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $cin4)) (local.get $c)) (i32.const 2))))
        (if (i32.load offset={winograd.f4x4} (local.get $prm))
          (then (call $bF4x4 (local.get $src) (i32.mul (local.get $qs) (i32.const 6)) (local.get $qs) (local.get $D) (i32.const 96) (i32.const 16) (local.get $E)))
          (else (call $transformTile (local.get $src) (i32.mul (local.get $qs) (local.get $T)) (local.get $qs) (local.get $D) (i32.shl (local.get $T) (i32.const 4)) (i32.const 16)
            (local.get $E) (i32.load offset={winograd.B} (local.get $prm)) (local.get $T) (local.get $T))))
        (local.set $k (i32.const 0))
        (loop $lk
          (local.set $h (i32.add (local.get $h0) (local.get $k)))
          (if (i32.lt_u (local.get $h) (local.get $H))
            (then (call $addRow
              (i32.add (local.get $D) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $T)) (local.get $l0)) (i32.const 4)))
              (i32.add (local.get $dx) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (local.get $h)) (local.get $W))
                (i32.add (local.get $w0) (local.get $l0))) (local.get $pix)) (i32.shl (local.get $c) (i32.const 2))))
              (local.get $pix) (i32.sub (local.get $l1) (local.get $l0)) (i32.sub (local.get $cin) (local.get $c)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $lk (i32.lt_s (local.get $k) (local.get $T))))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br_if $lc (i32.lt_s (local.get $c) (local.get $cin))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $lt))))

  ;; Adds src[v] (vectors 16 bytes apart) into p + v * s for v < n, `lanes` channels each.
  (func $addRow (param $src i32) (param $p i32) (param $s i32) (param $n i32) (param $lanes i32)
    (local $v i32)
    (block $done (loop $pixels
      (br_if $done (i32.ge_s (local.get $v) (local.get $n)))
      (if (i32.ge_s (local.get $lanes) (i32.const 4))
        (then (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (v128.load (local.get $src)))))
        (else (call $addLanes (local.get $p) (v128.load (local.get $src)) (local.get $lanes))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $p (i32.add (local.get $p) (local.get $s)))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br $pixels))))

  ;; Forward over tiles p0 <= p < p1 in chunks of `chunk`: input transform into V, the T*T
  ;; products M[q] = V[q] W[q] (w: per position, packed by pack_b, `wps` bytes apart), output
  ;; transform into y. V, M: this thread's chunk buffers. scratch: 4 KiB.
  (func (export "winograd_forward") (param $prm i32) (param $x i32) (param $y i32) (param $w i32) (param $wps i32) (param $bias i32)
    (param $V i32) (param $M i32) (param $p0 i32) (param $p1 i32) (param $chunk i32) (param $scratch i32)
    (local $p i32) (local $cnt i32) (local $q i32) (local $T2 i32) (local $cin i32) (local $cout i32) (local $cin4 i32) (local $cout4 i32)
    (local.set $cin (i32.load offset={winograd.cin} (local.get $prm)))
    (local.set $cout (i32.load offset={winograd.cout} (local.get $prm)))
    (local.set $cin4 (i32.and (i32.add (local.get $cin) (i32.const 3)) (i32.const -4)))
    (local.set $cout4 (i32.and (i32.add (local.get $cout) (i32.const 3)) (i32.const -4)))
    (local.set $T2 (i32.mul (i32.load offset={winograd.T} (local.get $prm)) (i32.load offset={winograd.T} (local.get $prm))))
    (local.set $p (local.get $p0))
    (block $done (loop $chunks
      (br_if $done (i32.ge_s (local.get $p) (local.get $p1)))
      (local.set $cnt (i32.sub (local.get $p1) (local.get $p)))
      (if (i32.gt_s (local.get $cnt) (local.get $chunk)) (then (local.set $cnt (local.get $chunk))))
      (call $winoIn (local.get $prm) (local.get $x) (local.get $V) (local.get $p) (local.get $cnt) (local.get $scratch))
      (local.set $q (i32.const 0))
      (loop $positions
        (call $gemm
          (i32.add (local.get $M) (i32.shl (i32.mul (i32.mul (local.get $q) (local.get $cnt)) (local.get $cout4)) (i32.const 2))) (i32.shl (local.get $cout4) (i32.const 2))
          (i32.add (local.get $V) (i32.shl (i32.mul (i32.mul (local.get $q) (local.get $cnt)) (local.get $cin4)) (i32.const 2))) (i32.shl (local.get $cin4) (i32.const 2)) (i32.const 4)
          (i32.add (local.get $w) (i32.mul (local.get $q) (local.get $wps))) (i32.const 32) (i32.shl (local.get $cin) (i32.const 5))
          (local.get $cnt) (local.get $cout) (local.get $cin) (i32.const 0) (i32.const 256) (i32.const 128))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $positions (i32.lt_s (local.get $q) (local.get $T2))))
      (call $winoOut (local.get $prm) (local.get $y) (local.get $M) (local.get $p) (local.get $cnt) (local.get $bias) (local.get $scratch))
      (local.set $p (i32.add (local.get $p) (local.get $cnt)))
      (br $chunks))))

  ;; Backward over the tiles p0 <= p < p1 of whole images n0 <= n < n1 (tiles of different
  ;; images never overlap, so threads own disjoint parts of dx): dx of these images set to 0,
  ;; then in chunks: V again from x, dM from dy, dw[q] += V[q]^T dM[q] (this thread's partial
  ;; sums, [T*T][cin][cout]), dV[q] = dM[q] W[q]^T (wT: W[q]^T packed, `wtps` bytes apart), and
  ;; each tile's contribution B dV B^T added into dx. V, dM, dV: this thread's chunk buffers.
  ;; wT = 0: the weight gradient alone (no dV, dx untouched).
  (func (export "winograd_backward") (param $prm i32) (param $x i32) (param $dy i32) (param $wT i32) (param $wtps i32) (param $dx i32) (param $dw i32)
    (param $V i32) (param $dM i32) (param $dV i32) (param $p0 i32) (param $p1 i32) (param $chunk i32) (param $scratch i32)
    (local $p i32) (local $cnt i32) (local $q i32) (local $T2 i32) (local $cin i32) (local $cout i32) (local $cin4 i32) (local $cout4 i32)
    (local.set $cin (i32.load offset={winograd.cin} (local.get $prm)))
    (local.set $cout (i32.load offset={winograd.cout} (local.get $prm)))
    (local.set $cin4 (i32.and (i32.add (local.get $cin) (i32.const 3)) (i32.const -4)))
    (local.set $cout4 (i32.and (i32.add (local.get $cout) (i32.const 3)) (i32.const -4)))
    (local.set $T2 (i32.mul (i32.load offset={winograd.T} (local.get $prm)) (i32.load offset={winograd.T} (local.get $prm))))
    ;; dx of images [p0 / tiles per image, p1 / tiles per image) = 0
    (local.set $q (i32.mul (i32.mul (i32.load offset={winograd.H} (local.get $prm)) (i32.load offset={winograd.W} (local.get $prm))) (i32.shl (local.get $cin) (i32.const 2))))
    (local.set $cnt (i32.mul (i32.load offset={winograd.tilesH} (local.get $prm)) (i32.load offset={winograd.tilesW} (local.get $prm))))
    (if (local.get $wT)
      (then
        (memory.fill
          (i32.add (local.get $dx) (i32.mul (i32.div_u (local.get $p0) (local.get $cnt)) (local.get $q)))
          (i32.const 0)
          (i32.mul (i32.div_u (i32.sub (local.get $p1) (local.get $p0)) (local.get $cnt)) (local.get $q)))))
    (local.set $p (local.get $p0))
    (block $done (loop $chunks
      (br_if $done (i32.ge_s (local.get $p) (local.get $p1)))
      (local.set $cnt (i32.sub (local.get $p1) (local.get $p)))
      (if (i32.gt_s (local.get $cnt) (local.get $chunk)) (then (local.set $cnt (local.get $chunk))))
      (call $winoIn (local.get $prm) (local.get $x) (local.get $V) (local.get $p) (local.get $cnt) (local.get $scratch))
      (call $winoDOut (local.get $prm) (local.get $dy) (local.get $dM) (local.get $p) (local.get $cnt) (local.get $scratch))
      (local.set $q (i32.const 0))
      (loop $positions
        ;; dw[q] (cin x cout) += V[q]^T (cin x cnt) dM[q] (cnt x cout); dM read in place as B
        (call $gemm
          (i32.add (local.get $dw) (i32.shl (i32.mul (i32.mul (local.get $q) (local.get $cin)) (local.get $cout)) (i32.const 2))) (i32.shl (local.get $cout) (i32.const 2))
          (i32.add (local.get $V) (i32.shl (i32.mul (i32.mul (local.get $q) (local.get $cnt)) (local.get $cin4)) (i32.const 2))) (i32.const 4) (i32.shl (local.get $cin4) (i32.const 2))
          (i32.add (local.get $dM) (i32.shl (i32.mul (i32.mul (local.get $q) (local.get $cnt)) (local.get $cout4)) (i32.const 2))) (i32.shl (local.get $cout4) (i32.const 2)) (i32.const 32)
          (local.get $cin) (local.get $cout) (local.get $cnt) (i32.const 1) (i32.const 256) (i32.const 128))
        ;; dV[q] (cnt x cin) = dM[q] (cnt x cout) W[q]^T (cout x cin)
        (if (local.get $wT) (then (call $gemm
          (i32.add (local.get $dV) (i32.shl (i32.mul (i32.mul (local.get $q) (local.get $cnt)) (local.get $cin4)) (i32.const 2))) (i32.shl (local.get $cin4) (i32.const 2))
          (i32.add (local.get $dM) (i32.shl (i32.mul (i32.mul (local.get $q) (local.get $cnt)) (local.get $cout4)) (i32.const 2))) (i32.shl (local.get $cout4) (i32.const 2)) (i32.const 4)
          (i32.add (local.get $wT) (i32.mul (local.get $q) (local.get $wtps))) (i32.const 32) (i32.shl (local.get $cout) (i32.const 5))
          (local.get $cnt) (local.get $cin) (local.get $cout) (i32.const 0) (i32.const 256) (i32.const 128))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br_if $positions (i32.lt_s (local.get $q) (local.get $T2))))
      (if (local.get $wT)
        (then
          (call $winoDIn (local.get $prm) (local.get $dx) (local.get $dV) (local.get $p) (local.get $cnt) (local.get $scratch))))
      (local.set $p (i32.add (local.get $p) (local.get $cnt)))
      (br $chunks))))

  ;; ---- F(4x4,3x3) (T = 6, m = 4) with its matrices written out: the forward transforms are
  ;; the shared library's (src/wasm/lib/winograd-f4x4.wat, included below, which the runtime
  ;; uses too); their adjoints, B and A, which only training needs, are here in the same form:
  ;; one tile, every address and stride a parameter, each side a few adds and multiplies on 6
  ;; (or 4) vectors held in locals, common terms shared, down the columns into scratch E (rows
  ;; of 96 bytes) and then along E's rows. ----
  {include winograd-f4x4}

  ;; dM = A X A^T for one tile (the output transform's adjoint): X[u][v] (4 x 4) at
  ;; src + u * srcRow + v * srcCol, dM[i][j] (6 x 6) stored at dst + i * dstRow + j * dstCol;
  ;; E: 576 bytes of scratch, apart from src and dst.
  (func $aF4x4 (param $src i32) (param $srcRow i32) (param $srcCol i32) (param $dst i32) (param $dstRow i32) (param $dstCol i32) (param $E i32)
    (call $aF4x4Side (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $E) (i32.const 96) (i32.const 16) (i32.const 4))
    (call $aF4x4Side (local.get $E) (i32.const 16) (i32.const 96) (local.get $dst) (local.get $dstCol) (local.get $dstRow) (i32.const 6)))

  ;; One side of A on `lines` lines of 4 vectors (line k's d_u at src + k * next + u * step), 6
  ;; results each (r_i at dst + k * dstNext + i * dstStep):
  ;;   r0 = d0   r1, r2 = (d0 + d2) +- (d1 + d3)   r3, r4 = (d0 + 4d2) +- (2d1 + 8d3)   r5 = d3
  (func $aF4x4Side (param $src i32) (param $step i32) (param $next i32) (param $dst i32) (param $dstStep i32) (param $dstNext i32) (param $lines i32)
    (local $k i32) (local $q i32) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $t4 v128)
    (loop $lines
      (local.set $q (local.get $src))
      (local.set $d0 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d1 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d2 (v128.load (local.get $q)))
      (local.set $q (i32.add (local.get $q) (local.get $step)))
      (local.set $d3 (v128.load (local.get $q)))
      (local.set $t1 (f32x4.add (local.get $d0) (local.get $d2)))
      (local.set $t2 (f32x4.add (local.get $d1) (local.get $d3)))
      (local.set $t3 (f32x4.add (local.get $d0) (f32x4.mul (v128.const f32x4 4 4 4 4) (local.get $d2))))
      (local.set $t4 (f32x4.add (f32x4.mul (v128.const f32x4 2 2 2 2) (local.get $d1)) (f32x4.mul (v128.const f32x4 8 8 8 8) (local.get $d3))))
      (local.set $q (local.get $dst))
      (v128.store (local.get $q) (local.get $d0))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.add (local.get $t1) (local.get $t2)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.sub (local.get $t1) (local.get $t2)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.add (local.get $t3) (local.get $t4)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.sub (local.get $t3) (local.get $t4)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (local.get $d3))
      (local.set $src (i32.add (local.get $src) (local.get $next)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstNext)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $lines (i32.lt_u (local.get $k) (local.get $lines)))))

  ;; Y = B X B^T for one tile (the input transform's adjoint), X and Y 6 x 6, addressed as in
  ;; $aF4x4; E: 576 bytes of scratch, apart from src and dst.
  (func $bF4x4 (param $src i32) (param $srcRow i32) (param $srcCol i32) (param $dst i32) (param $dstRow i32) (param $dstCol i32) (param $E i32)
    (call $bF4x4Side (local.get $src) (local.get $srcRow) (local.get $srcCol) (local.get $E) (i32.const 96) (i32.const 16))
    (call $bF4x4Side (local.get $E) (i32.const 16) (i32.const 96) (local.get $dst) (local.get $dstCol) (local.get $dstRow)))

  ;; One side of B on 6 lines of 6 vectors (addresses as $aF4x4Side), with t1, t2 = d1 +- d2,
  ;; t3 = d3 + d4, t4 = 2(d3 - d4):
  ;;   r0 = 4d0   r1 = 4(d5 - t2) - t4   r2 = -(5d0 + 4t1 + t3)   r3 = t2 + t4 - 5d5
  ;;   r4 = d0 + t1 + t3   r5 = d5
  (func $bF4x4Side (param $src i32) (param $step i32) (param $next i32) (param $dst i32) (param $dstStep i32) (param $dstNext i32)
    (local $k i32) (local $q i32)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $d4 v128) (local $d5 v128)
    (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $t4 v128)
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
      (local.set $t1 (f32x4.add (local.get $d1) (local.get $d2)))
      (local.set $t2 (f32x4.sub (local.get $d1) (local.get $d2)))
      (local.set $t3 (f32x4.add (local.get $d3) (local.get $d4)))
      (local.set $t4 (f32x4.mul (v128.const f32x4 2 2 2 2) (f32x4.sub (local.get $d3) (local.get $d4))))
      (local.set $q (local.get $dst))
      (v128.store (local.get $q) (f32x4.mul (v128.const f32x4 4 4 4 4) (local.get $d0)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.sub (f32x4.mul (v128.const f32x4 4 4 4 4) (f32x4.sub (local.get $d5) (local.get $t2))) (local.get $t4)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q)
        (f32x4.neg (f32x4.add (f32x4.add (f32x4.mul (v128.const f32x4 5 5 5 5) (local.get $d0)) (f32x4.mul (v128.const f32x4 4 4 4 4) (local.get $t1))) (local.get $t3))))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.sub (f32x4.add (local.get $t2) (local.get $t4)) (f32x4.mul (v128.const f32x4 5 5 5 5) (local.get $d5))))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (f32x4.add (f32x4.add (local.get $d0) (local.get $t1)) (local.get $t3)))
      (local.set $q (i32.add (local.get $q) (local.get $dstStep)))
      (v128.store (local.get $q) (local.get $d5))
      (local.set $src (i32.add (local.get $src) (local.get $next)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstNext)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $lines (i32.lt_u (local.get $k) (i32.const 6)))))

)
