  ;; ---- Dense matrix product (lib/gemm.wat), the one both modules run: the runtime's dense
  ;; Winograd product (M_p = W_p^T V_p per position) and the training kernels' gemm (which
  ;; blocks it for the caches, and through it their Winograd products). Every address and
  ;; stride is a parameter, in bytes:
  ;;   C (m x n) = A (m x k) B (k x n), or C += A B when acc != 0
  ;;   A(i, l) at a + (i >> 1)*arp + (i & 1)*ars + l*aks    rows in pairs: a strided A has
  ;;       arp = 2*ars; the runtime's [rows / 2][k][2] has arp = 8k, ars = 4, aks = 8
  ;;   B(l, j) at b + (j >> 3)*bps + l*bks + (j & 7)*4       panels of 8 columns (bks = 32,
  ;;       bps = 32k: the training's pack_b), or a row-major B with row stride bks (bps = 32)
  ;;   C(i, j) at c + i*ldc + j*4
  ;; The work unit is a 2 x 16 tile of C in 8 f32x4 registers: per step of the reduction, two
  ;; broadcast loads of A and four vector loads of B for 8 multiply-adds (V8 keeps the 14
  ;; vectors in registers; a 4 x 8 tile has the same ratio of loads and measured 10-20% slower
  ;; on the runtime's shapes); then the last columns 4 at a time, and a partial last vector lane
  ;; by lane. The runtime's own loop it replaced was as fast at k >= 64 and 5-10% faster at
  ;; k = 16-32 (measured: fewer live values, less bookkeeping per tile), a few percent of a
  ;; small network's call at most. Each element of C is summed in the order l = 0 .. k-1 from 0 (then C added when acc
  ;; != 0), whichever step computes it. Reads stay inside the operands but for B's last vector:
  ;; a column panel's padding, or up to 12 bytes past a row-major B's last row.
  (func $gemmTiles
    (param $c i32) (param $ldc i32) (param $a i32) (param $arp i32) (param $ars i32) (param $aks i32)
    (param $b i32) (param $bks i32) (param $bps i32) (param $m i32) (param $n i32) (param $k i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pa1 i32) (local $aEnd i32) (local $pb i32) (local $pb2 i32)
    (local $o i32) (local $o2 i32) (local $two i32) (local $pair i32) (local $kBytes i32) (local $paRow i32) (local $pa1Row i32) (local $pbj i32) (local $oRow i32)
    (local $w0 v128) (local $w1 v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (if (i32.or (i32.le_s (local.get $m) (i32.const 0)) (i32.le_s (local.get $n) (i32.const 0))) (then (return)))
    (local.set $kBytes (i32.mul (local.get $k) (local.get $aks)))
    (local.set $paRow (local.get $a))
    (local.set $oRow (local.get $c))
    (local.set $i (i32.const 0))
    (loop $rowPairs
      ;; an odd last row: the pair's second row reads the first again and is not stored
      (local.set $two (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $m)))
      (local.set $pair (i32.and (i32.eq (local.get $ars) (i32.const 4)) (local.get $two)))
      (local.set $pa1Row (select (i32.add (local.get $paRow) (local.get $ars)) (local.get $paRow) (local.get $two)))
      (local.set $o (local.get $oRow))
      (local.set $pbj (local.get $b))
      (local.set $j (i32.const 0))
      (block $done16
        (loop $cols16
          (br_if $done16 (i32.gt_s (i32.add (local.get $j) (i32.const 16)) (local.get $n)))
          (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
          (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
          (local.set $b0 (v128.const i32x4 0 0 0 0)) (local.set $b1 (v128.const i32x4 0 0 0 0))
          (local.set $b2 (v128.const i32x4 0 0 0 0)) (local.set $b3 (v128.const i32x4 0 0 0 0))
          (local.set $pa (local.get $paRow))
          (local.set $aEnd (i32.add (local.get $paRow) (local.get $kBytes)))
          (local.set $pb (local.get $pbj))
          (local.set $pb2 (i32.add (local.get $pbj) (local.get $bps)))
          ;; the same steps twice: with the second row 4 bytes after the first (ars = 4, two rows:
          ;; one pointer less, measured 10-15% faster in V8) and with any row stride
          (if (local.get $pair)
            (then
              (block $endPairs16
                (loop $pairs16
                  (br_if $endPairs16 (i32.eq (local.get $pa) (local.get $aEnd)))
                  (local.set $w0 (v128.load32_splat (local.get $pa)))
                  (local.set $w1 (v128.load32_splat offset=4 (local.get $pa)))
                  (local.set $x0 (v128.load offset=0 (local.get $pb)))
                  (local.set $x1 (v128.load offset=16 (local.get $pb)))
                  (local.set $x2 (v128.load offset=0 (local.get $pb2)))
                  (local.set $x3 (v128.load offset=16 (local.get $pb2)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $x0))))
                  (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $w1) (local.get $x0))))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (local.get $x1))))
                  (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $w1) (local.get $x1))))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (local.get $x2))))
                  (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $w1) (local.get $x2))))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w0) (local.get $x3))))
                  (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $w1) (local.get $x3))))
                  (local.set $pa (i32.add (local.get $pa) (local.get $aks)))
                  (local.set $pb (i32.add (local.get $pb) (local.get $bks)))
                  (local.set $pb2 (i32.add (local.get $pb2) (local.get $bks)))
                  (br $pairs16))))
            (else
              (local.set $pa1 (local.get $pa1Row))
              (block $end16
                (loop $steps16
                  (br_if $end16 (i32.eq (local.get $pa) (local.get $aEnd)))
                  (local.set $w0 (v128.load32_splat (local.get $pa)))
                  (local.set $w1 (v128.load32_splat (local.get $pa1)))
                  (local.set $x0 (v128.load offset=0 (local.get $pb)))
                  (local.set $x1 (v128.load offset=16 (local.get $pb)))
                  (local.set $x2 (v128.load offset=0 (local.get $pb2)))
                  (local.set $x3 (v128.load offset=16 (local.get $pb2)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $x0))))
                  (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $w1) (local.get $x0))))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (local.get $x1))))
                  (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $w1) (local.get $x1))))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (local.get $x2))))
                  (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $w1) (local.get $x2))))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w0) (local.get $x3))))
                  (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $w1) (local.get $x3))))
                  (local.set $pa (i32.add (local.get $pa) (local.get $aks)))
                  (local.set $pa1 (i32.add (local.get $pa1) (local.get $aks)))
                  (local.set $pb (i32.add (local.get $pb) (local.get $bks)))
                  (local.set $pb2 (i32.add (local.get $pb2) (local.get $bks)))
                  (br $steps16)))))
          (if (local.get $acc)
            (then
              (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $o))))
              (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $o))))
              (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $o))))
              (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $o))))))
          (v128.store offset=0 (local.get $o) (local.get $a0))
          (v128.store offset=16 (local.get $o) (local.get $a1))
          (v128.store offset=32 (local.get $o) (local.get $a2))
          (v128.store offset=48 (local.get $o) (local.get $a3))
          (if (local.get $two)
            (then
              (local.set $o2 (i32.add (local.get $o) (local.get $ldc)))
              (if (local.get $acc)
                (then
                  (local.set $b0 (f32x4.add (local.get $b0) (v128.load offset=0 (local.get $o2))))
                  (local.set $b1 (f32x4.add (local.get $b1) (v128.load offset=16 (local.get $o2))))
                  (local.set $b2 (f32x4.add (local.get $b2) (v128.load offset=32 (local.get $o2))))
                  (local.set $b3 (f32x4.add (local.get $b3) (v128.load offset=48 (local.get $o2))))))
              (v128.store offset=0 (local.get $o2) (local.get $b0))
              (v128.store offset=16 (local.get $o2) (local.get $b1))
              (v128.store offset=32 (local.get $o2) (local.get $b2))
              (v128.store offset=48 (local.get $o2) (local.get $b3))))
          (local.set $o (i32.add (local.get $o) (i32.const 64)))
          (local.set $pbj (i32.add (local.get $pbj) (i32.shl (local.get $bps) (i32.const 1))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $cols16)))
      ;; the last columns, one vector of 4 (or fewer: the last, lane by lane) at a time
      (block $done4
        (loop $cols4
          (br_if $done4 (i32.ge_s (local.get $j) (local.get $n)))
          (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $b0 (v128.const i32x4 0 0 0 0))
          (local.set $pa (local.get $paRow))
          (local.set $aEnd (i32.add (local.get $paRow) (local.get $kBytes)))
          (local.set $pb (local.get $pbj))
          (if (local.get $pair)
            (then
              (block $endPairs4
                (loop $pairs4
                  (br_if $endPairs4 (i32.eq (local.get $pa) (local.get $aEnd)))
                  (local.set $x0 (v128.load (local.get $pb)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $pa)) (local.get $x0))))
                  (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (v128.load32_splat offset=4 (local.get $pa)) (local.get $x0))))
                  (local.set $pa (i32.add (local.get $pa) (local.get $aks)))
                  (local.set $pb (i32.add (local.get $pb) (local.get $bks)))
                  (br $pairs4))))
            (else
              (local.set $pa1 (local.get $pa1Row))
              (block $end4
                (loop $steps4
                  (br_if $end4 (i32.eq (local.get $pa) (local.get $aEnd)))
                  (local.set $x0 (v128.load (local.get $pb)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $pa)) (local.get $x0))))
                  (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (v128.load32_splat (local.get $pa1)) (local.get $x0))))
                  (local.set $pa (i32.add (local.get $pa) (local.get $aks)))
                  (local.set $pa1 (i32.add (local.get $pa1) (local.get $aks)))
                  (local.set $pb (i32.add (local.get $pb) (local.get $bks)))
                  (br $steps4)))))
          (if (i32.and (i32.eqz (local.get $acc)) (i32.ge_s (i32.sub (local.get $n) (local.get $j)) (i32.const 4)))
            (then
              (v128.store (local.get $o) (local.get $a0))
              (if (local.get $two) (then (v128.store (i32.add (local.get $o) (local.get $ldc)) (local.get $b0)))))
            (else
              (call $gemmStore (local.get $o) (local.get $a0) (i32.sub (local.get $n) (local.get $j)) (local.get $acc))
              (if (local.get $two)
                (then (call $gemmStore (i32.add (local.get $o) (local.get $ldc)) (local.get $b0) (i32.sub (local.get $n) (local.get $j)) (local.get $acc))))))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          ;; B's next vector: 16 bytes on in the panel, or the next panel's first
          (local.set $pbj (select (i32.add (local.get $pbj) (i32.const 16)) (i32.add (local.get $pbj) (i32.sub (local.get $bps) (i32.const 16)))
            (i32.and (local.get $j) (i32.const 7))))
          (br $cols4)))
      (local.set $paRow (i32.add (local.get $paRow) (local.get $arp)))
      (local.set $oRow (i32.add (local.get $oRow) (i32.shl (local.get $ldc) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $rowPairs (i32.lt_s (local.get $i) (local.get $m)))))

  ;; Stores v at p (C += v when acc != 0): all 4 lanes when lanes >= 4, else the first `lanes`.
  (func $gemmStore (param $p i32) (param $v v128) (param $lanes i32) (param $acc i32)
    (if (i32.ge_s (local.get $lanes) (i32.const 4))
      (then
        (if (local.get $acc) (then (local.set $v (f32x4.add (local.get $v) (v128.load (local.get $p))))))
        (v128.store (local.get $p) (local.get $v))
        (return)))
    (if (local.get $acc) (then (local.set $v (f32x4.add (local.get $v) (v128.load64_zero (local.get $p))))))
    (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v)))
    (if (i32.gt_s (local.get $lanes) (i32.const 1)) (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.gt_s (local.get $lanes) (i32.const 2))
      (then
        (if (local.get $acc)
          (then (f32.store offset=8 (local.get $p) (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32.load offset=8 (local.get $p)))))
          (else (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v))))))))
