;; The swprune deployment runtime: one WebAssembly module (128-bit SIMD) that runs a whole network
;; from a .swb bundle. Compiled by `npm run build:wasm` into runtime-module.ts;
;; test/wasm/build.test.ts checks that the committed bytes are this file's.
;; Descriptor fields are read by name: `offset={winograd.coLo}` stands for that field's byte
;; offset in src/runtime/wasm/descriptors.ts, the table the planner writes descriptors through,
;; and `{dispatch}` for `run`'s dispatch on the op code (the build replaces both: source.ts), and
;; `{include name}` for a shared library file, src/wasm/lib/name.wat (src/wasm/expand.ts).
;;
;; The planner (src/runtime/plan/) lays out one linear memory when the bundle is loaded: the
;; program, one descriptor per step, weights, index tables, activations and scratch. Nothing is
;; allocated per inference: `run` walks the program and each kernel reads its descriptor.
;;
;; Conventions
;; - Every address and stride in a descriptor is in bytes; counts are in floats or elements.
;; - Activations are NHWC with channels padded to a multiple of 4 (`cp`) and a zero border
;;   around each image as wide as its consumers need; kernels only ever write the interior.
;; - Threads (a plan for T threads sharing one memory, the module built with a shared memory):
;;   every thread runs its own program over the same activations. A Winograd layer's tiles or
;;   its channels are shared out in ranges (op 0), a dense convolution's blocks
;;   of 8 output channels by units of a band x a pair of blocks taken from a counter, a sparse
;;   direct convolution's chunks of output pixels from a counter too, a
;;   pooling's output rows in ranges (rowLo, rowHi); other steps are in thread 0's program
;;   only; a barrier (op 9) stands wherever a step reads what another thread wrote. Which thread computes a value never changes how: results do not
;;   depend on the thread count.
;; - Epilogue (every kernel that writes an activation): v = v + bias; v = v + residual (when
;;   resDelta != 0: the residual has the output's geometry, resDelta bytes away); then the
;;   clamp activation  v = pmin(pmax(v, pmax(lo, alpha * v)), hi), which is the identity
;;   (lo = -inf, alpha = 1, hi = inf), Relu (lo = 0), Clip (lo, hi) or LeakyRelu (alpha <= 1).
(module
  (memory (export "memory") 1)

  ;; ---------------------------------------------------------------------------------------------
  ;; run(prog, n, first): the program is i32 count, then that many descriptor addresses; every
  ;; descriptor starts with its op code. The call computes images first .. first + n - 1 of the
  ;; plan's batch (a program may run a few images at a time while their activations fit in cache).
  (func (export "run") (param $prog i32) (param $n i32) (param $first i32)
    (local $p i32) (local $end i32) (local $d i32)
    (local.set $p (i32.add (local.get $prog) (i32.const 4)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.load (local.get $prog)) (i32.const 2))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $d (i32.load (local.get $p)))
        ;; One block per op code, calling its kind's function: generated from descriptors.ts's KERNELS.
        {dispatch}
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $step))))

  ;; The clamp activation of the epilogue (see the top of the file).
  (func $act (param $v v128) (param $lo v128) (param $hi v128) (param $alpha v128) (result v128)
    (f32x4.pmin (f32x4.pmax (local.get $v) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $v))))
      (local.get $hi)))

  ;; Epilogue for one output vector: bias, residual, activation, store. $e points at the
  ;; descriptor's (lo, hi, alpha, resDelta) words.
  (func $epi (param $v v128) (param $addr i32) (param $bias v128) (param $e i32)
    (local $r i32)
    (local.set $v (f32x4.add (local.get $v) (local.get $bias)))
    (local.set $r (i32.load offset={epilogue.resDelta} (local.get $e)))
    (if (local.get $r)
      (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $addr) (local.get $r)))))))
    (v128.store (local.get $addr)
      (call $act (local.get $v) (v128.load32_splat offset={epilogue.lo} (local.get $e)) (v128.load32_splat offset={epilogue.hi} (local.get $e))
        (v128.load32_splat offset={epilogue.alpha} (local.get $e)))))

  ;; The shared kernel library (src/wasm/lib/, spliced in by the build): F(4x4,3x3)'s transforms,
  ;; sparse matrices (any tile's transforms; the encoding the products read too), direct
  ;; convolution's register blocks and the dense matrix product.
  {include winograd-f4x4}
  {include sparse}
  {include conv}
  {include gemm}

  ;; The size of n items' chunks (tiles of a Winograd layer, output pixels of a sparse direct
  ;; convolution): equal, a multiple of 4, at most CH (rounded up to 4); 0 for no items. 196
  ;; tiles at CH 64 go as 52 + 52 + 52 + 40 rather than 64 + 64 + 64 + 4, whose last chunk
  ;; would run the slow one-vector products.
  (func $chunkSize (param $n i32) (param $CH i32) (result i32)
    (local $chunks i32)
    (local.set $chunks (i32.div_u (i32.add (local.get $n) (i32.sub (local.get $CH) (i32.const 1))) (local.get $CH)))
    (if (i32.eqz (local.get $chunks)) (then (return (i32.const 0))))
    (i32.and (i32.add (i32.div_u (i32.add (local.get $n) (i32.sub (local.get $chunks) (i32.const 1))) (local.get $chunks)) (i32.const 3))
      (i32.const -4)))

  ;; =============================================================================================
  ;; op 0: sparse Winograd convolution F(m x m, r x r), stride 1 (docs/runtime.md).
  ;;
  ;; Per chunk of up to CH tiles (tiles of all images of the call, in order):
  ;;   input     for each group of 4 tiles and 4 channels: the 4x4 SIMD transposes of the T x T
  ;;             pixels into [channel][pixel][tile], then B^T d B in registers, into
  ;;             V[p][ci][tile] (p = i*T + j; one row of CH floats per (p, ci))
  ;;   product   M_p[co] = sum over the nonzeros W_p[ci][co] of W_p[ci][co] * V_p[ci]: the
  ;;             zeros of W cost nothing
  ;;   output    A^T M A per group of 4 tiles and 4 channels, transposed back to NHWC, epilogue,
  ;;             stored as whole tiles: the output's buffer has room for the last tiles' overhang,
  ;;             and a zero step after the layer clears what fell outside the output
  ;;
  ;; Descriptor (fields in this order: src/runtime/wasm/descriptors.ts):
  ;;   inBase (the tile grid's origin: input pixel (-padTop, -padLeft) of image 0)
  ;;   inImg inRow inPix cinp outBase outImg outRow outPix coutp
  ;;  outH outW tilesY tilesX T m kind (0 generic matrices, 1 F(4x4,3x3))
  ;;  bt (generic B^T) at (generic A^T) wTable (T*T addresses of position matrices)
  ;;  bias lo hi alpha resDelta CH V M S (scratch) tab
  ;;  (CH x (in address, out address)) psV psM (bytes
  ;;  between positions of V and M: a row of CH floats per channel, plus 64 bytes, because a
  ;;  power-of-two stride puts all 36 positions of a tile in one cache set) pool (1, or 2: a
  ;;  2x2 stride-2 max pooling fused: the output is pooled, outH/outW its dims, and each output
  ;;  tile is m/2 x m/2 pixels, the max of each 2x2 block of the transformed tile)
  ;; Sparse matrices (generic transforms and positions): the one encoding of lib/sparse.wat
  ;; (i32 start[rows + 1], then (i32 index, f32 value) entries; src/wasm/sparse.ts writes it);
  ;; a position's index is the byte offset of V_p's row ci (ci * CH * 4).
  ;; dense (1: a dense convolution's layer, every weight present): position matrices are
  ;; i32 cin, 12 bytes of padding, then f32 W_p in [coutp / 2][cin][2] (pairs of output
  ;; channels), and the products run $productDense.
  ;; coLo coHi: the output channels this thread computes (0 and coutp but in a team
  ;; whose threads share a layer's channels out, in groups of 4 cut where the products' work
  ;; is even). chunkPart chunkParts: the tiles this thread computes, part chunkPart of
  ;; chunkParts in groups of 4 tiles, cut into its own chunks (0 and 1 but in a team that shares
  ;; a layer's tiles out instead of its channels). ciLo ciHi sync: the input channels this
  ;; thread transforms (0 and cinp), and 0, or in a team sharing channels the barrier the threads
  ;; meet at between a chunk's transforms into their one shared V and its products (and again
  ;; before the next chunk's transforms overwrite V): no thread transforms the whole input.
  (func $winograd (param $d i32) (param $n i32) (param $first i32)
    (local $tpi i32) (local $total i32) (local $start i32) (local $nt i32) (local $nv i32) (local $k i32)
    (local $t i32) (local $img i32) (local $rem i32) (local $ty i32) (local $tx i32) (local $m i32)
    (local $tab i32) (local $e i32) (local $g i32)
    (local $t0 i32) (local $size i32) (local $mo i32) (local $end i32)
    ;; Another thread's output channels only (but a thread sharing the transforms transforms its part).
    (if (i32.and (i32.eqz (i32.load offset={winograd.sync} (local.get $d)))
        (i32.ge_u (i32.load offset={winograd.coLo} (local.get $d)) (i32.load offset={winograd.coHi} (local.get $d))))
      (then (return)))
    (local.set $tpi (i32.mul (i32.load offset={winograd.tilesY} (local.get $d)) (i32.load offset={winograd.tilesX} (local.get $d))))
    (local.set $total (i32.mul (local.get $n) (local.get $tpi)))
    (local.set $t0 (i32.mul (local.get $first) (local.get $tpi)))
    (local.set $m (i32.load offset={winograd.m} (local.get $d)))
    (local.set $mo (i32.div_u (local.get $m) (i32.load offset={winograd.pool} (local.get $d))))
    (local.set $tab (i32.load offset={winograd.tab} (local.get $d)))
    ;; This thread's tiles: all of them, or in a team sharing chunks out, its range of groups of
    ;; 4 tiles, as even as they go (56x56's 196 tiles: 100 + 96, where 7 chunks dealt
    ;; round-robin went 112 + 84).
    (local.set $start (i32.const 0))
    (local.set $end (local.get $total))
    (if (i32.gt_u (i32.load offset={winograd.chunkParts} (local.get $d)) (i32.const 1))
      (then
        (local.set $g (i32.shr_u (i32.add (local.get $total) (i32.const 3)) (i32.const 2)))
        (local.set $start (i32.shl (i32.div_u (i32.mul (local.get $g) (i32.load offset={winograd.chunkPart} (local.get $d)))
          (i32.load offset={winograd.chunkParts} (local.get $d))) (i32.const 2)))
        (local.set $end (i32.shl (i32.div_u (i32.mul (local.get $g) (i32.add (i32.load offset={winograd.chunkPart} (local.get $d)) (i32.const 1)))
          (i32.load offset={winograd.chunkParts} (local.get $d))) (i32.const 2)))
        (if (i32.gt_u (local.get $end) (local.get $total)) (then (local.set $end (local.get $total))))))
    (local.set $size (call $chunkSize (i32.sub (local.get $end) (local.get $start)) (i32.load offset={winograd.CH} (local.get $d))))
    (if (i32.eqz (local.get $size)) (then (return)))
    (block $allDone
      (loop $chunk
        (br_if $allDone (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $nt (i32.sub (local.get $end) (local.get $start)))
        (if (i32.gt_u (local.get $nt) (local.get $size))
          (then (local.set $nt (local.get $size))))
        (local.set $nv (i32.shr_u (i32.add (local.get $nt) (i32.const 3)) (i32.const 2)))
        ;; The tile table; lanes past the last tile repeat it (and store its values again).
        (local.set $k (i32.const 0))
        (loop $tiles
          (local.set $t (i32.add (i32.add (local.get $t0) (local.get $start)) (local.get $k)))
          (if (i32.ge_u (local.get $k) (local.get $nt))
            (then (local.set $t (i32.sub (i32.add (i32.add (local.get $t0) (local.get $start)) (local.get $nt)) (i32.const 1)))))
          (local.set $img (i32.div_u (local.get $t) (local.get $tpi)))
          (local.set $rem (i32.sub (local.get $t) (i32.mul (local.get $img) (local.get $tpi))))
          (local.set $ty (i32.div_u (local.get $rem) (i32.load offset={winograd.tilesX} (local.get $d))))
          (local.set $tx (i32.sub (local.get $rem) (i32.mul (local.get $ty) (i32.load offset={winograd.tilesX} (local.get $d)))))
          (local.set $e (i32.add (local.get $tab) (i32.shl (local.get $k) (i32.const 3))))
          (i32.store offset=0 (local.get $e)
            (i32.add (i32.add (i32.add (i32.load offset={winograd.inBase} (local.get $d))
              (i32.mul (local.get $img) (i32.load offset={winograd.inImg} (local.get $d))))
              (i32.mul (i32.mul (local.get $ty) (local.get $m)) (i32.load offset={winograd.inRow} (local.get $d))))
              (i32.mul (i32.mul (local.get $tx) (local.get $m)) (i32.load offset={winograd.inPix} (local.get $d)))))
          (i32.store offset=4 (local.get $e)
            (i32.add (i32.add (i32.add (i32.load offset={winograd.outBase} (local.get $d))
              (i32.mul (local.get $img) (i32.load offset={winograd.outImg} (local.get $d))))
              (i32.mul (i32.mul (local.get $ty) (local.get $mo)) (i32.load offset={winograd.outRow} (local.get $d))))
              (i32.mul (i32.mul (local.get $tx) (local.get $mo)) (i32.load offset={winograd.outPix} (local.get $d)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $tiles (i32.lt_u (local.get $k) (i32.shl (local.get $nv) (i32.const 2)))))
        ;; Input transforms, then products and output transforms: of all channels, or in a team
        ;; sharing a layer's channels, of this thread's ranges, the threads meeting at `sync` in
        ;; between so that every part of V is written before any product reads it.
        (call $inputChannels (local.get $d) (local.get $nv)
          (i32.load offset={winograd.ciLo} (local.get $d)) (i32.load offset={winograd.ciHi} (local.get $d)))
        (if (i32.load offset={winograd.sync} (local.get $d)) (then (call $barrier (i32.load offset={winograd.sync} (local.get $d)))))
        (call $outputChannels (local.get $d) (local.get $nv)
          (i32.load offset={winograd.coLo} (local.get $d)) (i32.load offset={winograd.coHi} (local.get $d)))
        (local.set $start (i32.add (local.get $start) (local.get $size)))
        ;; Sharing the transforms: every product of this chunk done before the next chunk's transform overwrites V.
        (if (i32.and (i32.ne (i32.load offset={winograd.sync} (local.get $d)) (i32.const 0)) (i32.lt_u (local.get $start) (local.get $end)))
          (then (call $barrier (i32.load offset={winograd.sync} (local.get $d)))))
        (br $chunk))))

  ;; Input transforms of the chunk's nv groups of 4 tiles, channels lo..hi - 1 (multiples of 4):
  ;; channel groups outer, so that the 4 tile groups sharing a cache line of V are written one
  ;; after the other.
  (func $inputChannels (param $d i32) (param $nv i32) (param $lo i32) (param $hi i32)
    (local $cg i32) (local $g i32)
    (local.set $cg (i32.shr_u (local.get $lo) (i32.const 2)))
    (block $done
      (loop $channels
        (br_if $done (i32.ge_u (i32.shl (local.get $cg) (i32.const 2)) (local.get $hi)))
        (local.set $g (i32.const 0))
        (loop $groups
          (call $inputTiles (local.get $d) (local.get $g) (local.get $cg))
          (local.set $g (i32.add (local.get $g) (i32.const 1)))
          (br_if $groups (i32.lt_u (local.get $g) (local.get $nv))))
        (local.set $cg (i32.add (local.get $cg) (i32.const 1)))
        (br $channels))))

  ;; Products, position by position, then output transforms and epilogue (channel groups outer
  ;; as above) of output channels lo..hi - 1 (multiples of 4) for the chunk's nv groups of tiles.
  (func $outputChannels (param $d i32) (param $nv i32) (param $lo i32) (param $hi i32)
    (local $p i32) (local $T2 i32) (local $CHB i32) (local $cg i32) (local $g i32)
    (if (i32.ge_u (local.get $lo) (local.get $hi)) (then (return)))
    (local.set $T2 (i32.mul (i32.load offset={winograd.T} (local.get $d)) (i32.load offset={winograd.T} (local.get $d))))
    (local.set $CHB (i32.shl (i32.load offset={winograd.CH} (local.get $d)) (i32.const 2)))
    (local.set $p (i32.const 0))
    (loop $positions
      (if (i32.load offset={winograd.dense} (local.get $d))
        (then
          (call $productDense
            (i32.add (i32.load offset={winograd.V} (local.get $d)) (i32.mul (local.get $p) (i32.load offset={winograd.psV} (local.get $d))))
            (i32.add (i32.load offset={winograd.M} (local.get $d)) (i32.mul (local.get $p) (i32.load offset={winograd.psM} (local.get $d))))
            (i32.load (i32.add (i32.load offset={winograd.wTable} (local.get $d)) (i32.shl (local.get $p) (i32.const 2))))
            (local.get $lo) (local.get $hi) (local.get $nv) (local.get $CHB)))
        (else
          (call $product
            (i32.add (i32.load offset={winograd.V} (local.get $d)) (i32.mul (local.get $p) (i32.load offset={winograd.psV} (local.get $d))))
            (i32.add (i32.load offset={winograd.M} (local.get $d)) (i32.mul (local.get $p) (i32.load offset={winograd.psM} (local.get $d))))
            (i32.load (i32.add (i32.load offset={winograd.wTable} (local.get $d)) (i32.shl (local.get $p) (i32.const 2))))
            (local.get $lo) (local.get $hi) (local.get $nv) (local.get $CHB))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $positions (i32.lt_u (local.get $p) (local.get $T2))))
    (local.set $cg (i32.shr_u (local.get $lo) (i32.const 2)))
    (loop $channels
      (local.set $g (i32.const 0))
      (loop $groups
        (call $outputTiles (local.get $d) (local.get $g) (local.get $cg))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br_if $groups (i32.lt_u (local.get $g) (local.get $nv))))
      (local.set $cg (i32.add (local.get $cg) (i32.const 1)))
      (br_if $channels (i32.lt_u (i32.shl (local.get $cg) (i32.const 2)) (local.get $hi)))))

  ;; Tiles 4g..4g+3 of the chunk, channels 4cg..4cg+3: gather the T x T pixels, transposed to
  ;; [channel][a][b] (4 tiles a vector) in scratch SA, then B^T d B into V.
  (func $inputTiles (param $d i32) (param $g i32) (param $cg i32)
    (local $T i32) (local $T2 i32) (local $SA i32) (local $e i32) (local $a i32) (local $b i32)
    (local $t0 i32) (local $t1 i32) (local $t2 i32) (local $t3 i32) (local $off i32) (local $s i32) (local $cs i32)
    (local $inRow i32) (local $inPix i32) (local $rowOff i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local $c i32) (local $vrow i32) (local $ps i32) (local $CHB i32)
    (local.set $T (i32.load offset={winograd.T} (local.get $d)))
    (local.set $T2 (i32.mul (local.get $T) (local.get $T)))
    (local.set $SA (i32.load offset={winograd.S} (local.get $d)))
    (local.set $cs (i32.shl (local.get $T2) (i32.const 4)))
    (local.set $inRow (i32.load offset={winograd.inRow} (local.get $d)))
    (local.set $inPix (i32.load offset={winograd.inPix} (local.get $d)))
    (local.set $e (i32.add (i32.load offset={winograd.tab} (local.get $d)) (i32.shl (local.get $g) (i32.const 5))))
    (local.set $t0 (i32.add (i32.load offset=0 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $t1 (i32.add (i32.load offset=8 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $t2 (i32.add (i32.load offset=16 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $t3 (i32.add (i32.load offset=24 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $s (local.get $SA))
    (local.set $rowOff (i32.const 0))
    (local.set $a (i32.const 0))
    (loop $rowsA
      (local.set $off (local.get $rowOff))
      (local.set $b (i32.const 0))
      (loop $colsB
        (local.set $r0 (v128.load (i32.add (local.get $t0) (local.get $off))))
        (local.set $r1 (v128.load (i32.add (local.get $t1) (local.get $off))))
        (local.set $r2 (v128.load (i32.add (local.get $t2) (local.get $off))))
        (local.set $r3 (v128.load (i32.add (local.get $t3) (local.get $off))))
        (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $u2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        (v128.store (local.get $s) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2)))
        (v128.store (i32.add (local.get $s) (local.get $cs)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2)))
        (v128.store (i32.add (local.get $s) (i32.shl (local.get $cs) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u1) (local.get $u3)))
        (v128.store (i32.add (local.get $s) (i32.mul (local.get $cs) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u1) (local.get $u3)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $off (i32.add (local.get $off) (local.get $inPix)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $colsB (i32.lt_u (local.get $b) (local.get $T))))
      (local.set $rowOff (i32.add (local.get $rowOff) (local.get $inRow)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br_if $rowsA (i32.lt_u (local.get $a) (local.get $T))))
    ;; V row of (p = 0, ci = 4cg), tiles 4g..; channels CH * 4 bytes apart, positions psV.
    (local.set $ps (i32.load offset={winograd.psV} (local.get $d)))
    (local.set $CHB (i32.shl (i32.load offset={winograd.CH} (local.get $d)) (i32.const 2)))
    (local.set $vrow (i32.add (i32.add (i32.load offset={winograd.V} (local.get $d)) (i32.mul (i32.shl (local.get $cg) (i32.const 2)) (local.get $CHB)))
      (i32.shl (local.get $g) (i32.const 4))))
    ;; Each channel's d[a][b] (T x T vectors, rows of T * 16 bytes) into V[i*T + j] (ps apart);
    ;; the scratch after the 4 channels' pixels for the transforms' intermediate. Padding
    ;; channels (cin up to cinp) are not transformed: no product reads their rows of V (a
    ;; 1-channel input layer transformed 4).
    (local.set $c (i32.const 0))
    (block $channelsDone
    (loop $channels
      (br_if $channelsDone (i32.ge_u (i32.add (i32.shl (local.get $cg) (i32.const 2)) (local.get $c)) (i32.load offset={winograd.cin} (local.get $d))))
      (if (i32.eq (i32.load offset={winograd.kind} (local.get $d)) (i32.const 1))
        (then
          (call $btF4x4 (i32.add (local.get $SA) (i32.mul (local.get $c) (local.get $cs))) (i32.const 96) (i32.const 16)
            (i32.add (local.get $vrow) (i32.mul (local.get $c) (local.get $CHB))) (i32.mul (local.get $ps) (i32.const 6)) (local.get $ps)
            (i32.add (local.get $SA) (i32.shl (local.get $cs) (i32.const 2)))))
        (else
          (call $transformTile (i32.add (local.get $SA) (i32.mul (local.get $c) (local.get $cs))) (i32.shl (local.get $T) (i32.const 4)) (i32.const 16)
            (i32.add (local.get $vrow) (i32.mul (local.get $c) (local.get $CHB))) (i32.mul (local.get $T) (local.get $ps)) (local.get $ps)
            (i32.add (local.get $SA) (i32.shl (local.get $cs) (i32.const 2))) (i32.load offset={winograd.bt} (local.get $d)) (local.get $T) (local.get $T))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $channels (i32.lt_u (local.get $c) (i32.const 4))))))

  ;; M_p = W_p^T V_p for one position: for coLo <= co < coHi, M[co] (a row of CH floats at M + co * CHB)
  ;; = sum over the entries (row offset, w) of row co of w * V[row], for the first nv vectors
  ;; of tiles; 4 vectors a step (with 8, V8 spills accumulators: measured 17 vs 11 GMAC/s),
  ;; then 2, row by row, then the last of an odd count over all rows ($productOne). The entries are taken in pairs, a = a + (w0 V0 + w1 V1) (the last of an
  ;; odd count alone): the chain of dependent adds is half as long as one add per entry, which
  ;; batch 1's deep layers (one vector of tiles) wait on. Every step sums in this order, so a
  ;; tile's value does not depend on which step computes it, nor therefore on how images are
  ;; split between calls or threads.
  (func $product (param $V i32) (param $M i32) (param $mat i32) (param $coLo i32) (param $coHi i32) (param $nv i32) (param $CHB i32)
    (local $co i32) (local $e0 i32) (local $end i32) (local $e i32) (local $v i32) (local $x i32) (local $p i32) (local $q i32) (local $out i32)
    (local $w v128) (local $u v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $co (local.get $coLo))
    (block $rowsDone
      (br_if $rowsDone (i32.lt_u (local.get $nv) (i32.const 2)))
      (loop $rows
        (local.set $e0 (i32.add (local.get $mat) (i32.load (i32.add (local.get $mat) (i32.shl (local.get $co) (i32.const 2))))))
        (local.set $end (i32.add (local.get $mat) (i32.load offset=4 (i32.add (local.get $mat) (i32.shl (local.get $co) (i32.const 2))))))
        (local.set $out (i32.add (local.get $M) (i32.mul (local.get $co) (local.get $CHB))))
        (local.set $v (i32.const 0))
        (block $done4
          (loop $step4
            (br_if $done4 (i32.gt_u (i32.add (local.get $v) (i32.const 4)) (local.get $nv)))
            (local.set $x (i32.add (local.get $V) (i32.shl (local.get $v) (i32.const 4))))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $e (local.get $e0))
            (block $end4
              (loop $nz4
                (br_if $end4 (i32.ge_u (i32.add (local.get $e) (i32.const 8)) (local.get $end)))
                (local.set $w (v128.load32_splat offset=4 (local.get $e)))
                (local.set $u (v128.load32_splat offset=12 (local.get $e)))
                (local.set $p (i32.add (local.get $x) (i32.load (local.get $e))))
                (local.set $q (i32.add (local.get $x) (i32.load offset=8 (local.get $e))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $p)))
                  (f32x4.mul (local.get $u) (v128.load offset=0 (local.get $q))))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.add (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $p)))
                  (f32x4.mul (local.get $u) (v128.load offset=16 (local.get $q))))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.add (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $p)))
                  (f32x4.mul (local.get $u) (v128.load offset=32 (local.get $q))))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.add (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $p)))
                  (f32x4.mul (local.get $u) (v128.load offset=48 (local.get $q))))))
                (local.set $e (i32.add (local.get $e) (i32.const 16)))
                (br $nz4)))
            (if (i32.lt_u (local.get $e) (local.get $end))
              (then
                (local.set $w (v128.load32_splat offset=4 (local.get $e)))
                (local.set $p (i32.add (local.get $x) (i32.load (local.get $e))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $p)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $p)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $p)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $p)))))))
            (local.set $p (i32.add (local.get $out) (i32.shl (local.get $v) (i32.const 4))))
            (v128.store offset=0 (local.get $p) (local.get $a0))
            (v128.store offset=16 (local.get $p) (local.get $a1))
            (v128.store offset=32 (local.get $p) (local.get $a2))
            (v128.store offset=48 (local.get $p) (local.get $a3))
            (local.set $v (i32.add (local.get $v) (i32.const 4)))
            (br $step4)))
        (if (i32.le_u (i32.add (local.get $v) (i32.const 2)) (local.get $nv))
          (then
            (local.set $x (i32.add (local.get $V) (i32.shl (local.get $v) (i32.const 4))))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $e (local.get $e0))
            (block $end2
              (loop $nz2
                (br_if $end2 (i32.ge_u (i32.add (local.get $e) (i32.const 8)) (local.get $end)))
                (local.set $w (v128.load32_splat offset=4 (local.get $e)))
                (local.set $u (v128.load32_splat offset=12 (local.get $e)))
                (local.set $p (i32.add (local.get $x) (i32.load (local.get $e))))
                (local.set $q (i32.add (local.get $x) (i32.load offset=8 (local.get $e))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.add (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $p)))
                  (f32x4.mul (local.get $u) (v128.load offset=0 (local.get $q))))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.add (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $p)))
                  (f32x4.mul (local.get $u) (v128.load offset=16 (local.get $q))))))
                (local.set $e (i32.add (local.get $e) (i32.const 16)))
                (br $nz2)))
            (if (i32.lt_u (local.get $e) (local.get $end))
              (then
                (local.set $w (v128.load32_splat offset=4 (local.get $e)))
                (local.set $p (i32.add (local.get $x) (i32.load (local.get $e))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $p)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $p)))))))
            (local.set $p (i32.add (local.get $out) (i32.shl (local.get $v) (i32.const 4))))
            (v128.store offset=0 (local.get $p) (local.get $a0))
            (v128.store offset=16 (local.get $p) (local.get $a1))
            (local.set $v (i32.add (local.get $v) (i32.const 2)))))
        (local.set $co (i32.add (local.get $co) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $co) (local.get $coHi)))))
    ;; The last vector of an odd count: $productOne over all rows (the same sums).
    (if (i32.and (local.get $nv) (i32.const 1))
      (then
        (local.set $x (i32.shl (i32.sub (local.get $nv) (i32.const 1)) (i32.const 4)))
        (call $productOne (i32.add (local.get $V) (local.get $x)) (i32.add (local.get $M) (local.get $x))
          (local.get $mat) (local.get $coLo) (local.get $coHi) (local.get $CHB)))))

  ;; $product's one-vector step: the last vector of an odd count, and all of a call of one
  ;; vector of tiles (batch 1's deep layers, whose rows are a few dozen entries): a row starts where the last ended and its output one
  ;; row further on, so a row costs a few instructions beyond its entries. The same sums.
  (func $productOne (param $V i32) (param $M i32) (param $mat i32) (param $coLo i32) (param $coHi i32) (param $CHB i32)
    (local $e i32) (local $end i32) (local $last i32) (local $out i32) (local $p i32) (local $q i32)
    (local $w v128) (local $u v128) (local $a v128)
    (local.set $e (i32.add (local.get $mat) (i32.load (i32.add (local.get $mat) (i32.shl (local.get $coLo) (i32.const 2))))))
    (local.set $out (i32.add (local.get $M) (i32.mul (local.get $coLo) (local.get $CHB))))
    (local.set $last (i32.add (local.get $mat) (i32.shl (local.get $coHi) (i32.const 2))))
    (local.set $p (i32.add (local.get $mat) (i32.shl (local.get $coLo) (i32.const 2))))
    (loop $rows
      (local.set $end (i32.add (local.get $mat) (i32.load offset=4 (local.get $p))))
      (local.set $a (v128.const i32x4 0 0 0 0))
      (block $pairsDone
        (loop $pairs
          (br_if $pairsDone (i32.ge_u (i32.add (local.get $e) (i32.const 8)) (local.get $end)))
          (local.set $w (v128.load32_splat offset=4 (local.get $e)))
          (local.set $u (v128.load32_splat offset=12 (local.get $e)))
          (local.set $q (i32.add (local.get $V) (i32.load offset=8 (local.get $e))))
          (local.set $a (f32x4.add (local.get $a) (f32x4.add
            (f32x4.mul (local.get $w) (v128.load (i32.add (local.get $V) (i32.load (local.get $e)))))
            (f32x4.mul (local.get $u) (v128.load (local.get $q))))))
          (local.set $e (i32.add (local.get $e) (i32.const 16)))
          (br $pairs)))
      (if (i32.lt_u (local.get $e) (local.get $end))
        (then
          (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load32_splat offset=4 (local.get $e))
            (v128.load (i32.add (local.get $V) (i32.load (local.get $e)))))))
          (local.set $e (local.get $end))))
      (v128.store (local.get $out) (local.get $a))
      (local.set $out (i32.add (local.get $out) (local.get $CHB)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $rows (i32.lt_u (local.get $p) (local.get $last)))))

  ;; M_p = W_p^T V_p, output channels coLo..coHi - 1, for one position of a dense layer (W_p
  ;; [coutp / 2][cin][2] after a 16-byte header holding cin): the shared library's dense product
  ;; (lib/gemm.wat) with A = W_p's rows in interleaved pairs and B = V_p row-major, two output
  ;; channels and 4 vectors of tiles a step, 8 accumulators sharing each load of V (the sparse
  ;; kernel's one channel a step loads V twice as often and reads an index per weight).
  (func $productDense (param $V i32) (param $M i32) (param $mat i32) (param $coLo i32) (param $coHi i32) (param $nv i32) (param $CHB i32)
    (local $cin i32)
    (local.set $cin (i32.load (local.get $mat)))
    (call $gemmTiles
      (i32.add (local.get $M) (i32.mul (local.get $coLo) (local.get $CHB))) (local.get $CHB)
      (i32.add (i32.add (local.get $mat) (i32.const 16)) (i32.shl (i32.mul (local.get $coLo) (local.get $cin)) (i32.const 2)))
      (i32.shl (local.get $cin) (i32.const 3)) (i32.const 4) (i32.const 8)
      (local.get $V) (local.get $CHB) (i32.const 32)
      (i32.sub (local.get $coHi) (local.get $coLo)) (i32.shl (local.get $nv) (i32.const 2)) (local.get $cin) (i32.const 0)))

  ;; Tiles 4g..4g+3, output channels 4cg..4cg+3: A^T M A into scratch SC ([channel][i][j], m x m
  ;; vectors of 4 tiles per channel), then the epilogue.
  (func $outputTiles (param $d i32) (param $g i32) (param $cg i32)
    (local $T i32) (local $m i32) (local $SA i32) (local $SB i32) (local $SC i32) (local $c i32) (local $mrow i32) (local $ps i32) (local $CHB i32)
    (local.set $T (i32.load offset={winograd.T} (local.get $d)))
    (local.set $m (i32.load offset={winograd.m} (local.get $d)))
    (local.set $SA (i32.load offset={winograd.S} (local.get $d)))
    (local.set $SB (i32.add (local.get $SA) (i32.shl (i32.mul (local.get $T) (local.get $T)) (i32.const 6))))
    (local.set $SC (i32.add (local.get $SB) (i32.shl (i32.mul (local.get $T) (local.get $T)) (i32.const 4))))
    (local.set $ps (i32.load offset={winograd.psM} (local.get $d)))
    (local.set $CHB (i32.shl (i32.load offset={winograd.CH} (local.get $d)) (i32.const 2)))
    (local.set $mrow (i32.add (i32.add (i32.load offset={winograd.M} (local.get $d)) (i32.mul (i32.shl (local.get $cg) (i32.const 2)) (local.get $CHB)))
      (i32.shl (local.get $g) (i32.const 4))))
    ;; Each channel's M[i*T + j] (ps apart) into y[i][j] (m x m vectors, rows of m * 16 bytes) in SC.
    (local.set $c (i32.const 0))
    (loop $channels
      (if (i32.eq (i32.load offset={winograd.kind} (local.get $d)) (i32.const 1))
        (then
          (call $atF4x4 (i32.add (local.get $mrow) (i32.mul (local.get $c) (local.get $CHB))) (i32.mul (local.get $ps) (i32.const 6)) (local.get $ps)
            (i32.add (local.get $SC) (i32.shl (local.get $c) (i32.const 8))) (local.get $SB)))
        (else
          (call $transformTile (i32.add (local.get $mrow) (i32.mul (local.get $c) (local.get $CHB))) (i32.mul (local.get $T) (local.get $ps)) (local.get $ps)
            (i32.add (local.get $SC) (i32.shl (i32.mul (local.get $c) (i32.mul (local.get $m) (local.get $m))) (i32.const 4)))
            (i32.shl (local.get $m) (i32.const 4)) (i32.const 16) (local.get $SB) (i32.load offset={winograd.at} (local.get $d)) (local.get $m) (local.get $T))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $channels (i32.lt_u (local.get $c) (i32.const 4))))
    (call $scatter (local.get $d) (local.get $g) (local.get $cg) (local.get $SC)))

  ;; The epilogue of 4 tiles x 4 channels: sc holds y[c][i][j] (m x m vectors of 4 tiles per
  ;; channel); each (i, j) is transposed to one vector of 4 channels per tile, then bias,
  ;; residual, activation, and stored (whole tiles; see $winograd). With a fused 2x2 max
  ;; pooling, (i, j) < m/2 and each value is the max of y's 2x2 block.
  (func $scatter (param $d i32) (param $g i32) (param $cg i32) (param $sc i32)
    (local $m i32) (local $cs i32) (local $e i32) (local $i i32) (local $j i32) (local $q i32) (local $off i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32) (local $res i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local $bias v128) (local $lo v128) (local $hi v128) (local $alpha v128)
    (local $outRow i32) (local $outPix i32) (local $leaky i32) (local $mo i32) (local $pool i32)
    (local.set $outRow (i32.load offset={winograd.outRow} (local.get $d)))
    (local.set $outPix (i32.load offset={winograd.outPix} (local.get $d)))
    (local.set $leaky (f32.ne (f32.load offset={winograd.alpha} (local.get $d)) (f32.const 1)))
    (local.set $m (i32.load offset={winograd.m} (local.get $d)))
    (local.set $pool (i32.eq (i32.load offset={winograd.pool} (local.get $d)) (i32.const 2)))
    (local.set $mo (i32.shr_u (local.get $m) (local.get $pool)))
    (local.set $cs (i32.shl (i32.mul (local.get $m) (local.get $m)) (i32.const 4)))
    (local.set $e (i32.add (i32.load offset={winograd.tab} (local.get $d)) (i32.shl (local.get $g) (i32.const 5))))
    (local.set $o0 (i32.add (i32.load offset=4 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $o1 (i32.add (i32.load offset=12 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $o2 (i32.add (i32.load offset=20 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $o3 (i32.add (i32.load offset=28 (local.get $e)) (i32.shl (local.get $cg) (i32.const 4))))
    (local.set $bias (v128.load (i32.add (i32.load offset={winograd.bias} (local.get $d)) (i32.shl (local.get $cg) (i32.const 4)))))
    (local.set $lo (v128.load32_splat offset={winograd.lo} (local.get $d)))
    (local.set $hi (v128.load32_splat offset={winograd.hi} (local.get $d)))
    (local.set $alpha (v128.load32_splat offset={winograd.alpha} (local.get $d)))
    (local.set $res (i32.load offset={winograd.resDelta} (local.get $d)))
    (local.set $i (i32.const 0))
    (loop $rowsI
      (local.set $j (i32.const 0))
      (loop $colsJ
        (if (local.get $pool)
          (then
            (local.set $q (i32.add (local.get $sc) (i32.shl (i32.add (i32.mul (i32.shl (local.get $i) (i32.const 1)) (local.get $m)) (i32.shl (local.get $j) (i32.const 1))) (i32.const 4))))
            (local.set $r0 (call $max2x2 (local.get $q) (local.get $m)))
            (local.set $r1 (call $max2x2 (i32.add (local.get $q) (local.get $cs)) (local.get $m)))
            (local.set $r2 (call $max2x2 (i32.add (local.get $q) (i32.shl (local.get $cs) (i32.const 1))) (local.get $m)))
            (local.set $r3 (call $max2x2 (i32.add (local.get $q) (i32.mul (local.get $cs) (i32.const 3))) (local.get $m))))
          (else
            (local.set $q (i32.add (local.get $sc) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (i32.const 4))))
            (local.set $r0 (v128.load (local.get $q)))
            (local.set $r1 (v128.load (i32.add (local.get $q) (local.get $cs))))
            (local.set $r2 (v128.load (i32.add (local.get $q) (i32.shl (local.get $cs) (i32.const 1)))))
            (local.set $r3 (v128.load (i32.add (local.get $q) (i32.mul (local.get $cs) (i32.const 3)))))))
        (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $u2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        (local.set $r0 (f32x4.add (local.get $bias) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2))))
        (local.set $r1 (f32x4.add (local.get $bias) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2))))
        (local.set $r2 (f32x4.add (local.get $bias) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u1) (local.get $u3))))
        (local.set $r3 (f32x4.add (local.get $bias) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u1) (local.get $u3))))
        (local.set $off (i32.add (i32.mul (local.get $i) (local.get $outRow)) (i32.mul (local.get $j) (local.get $outPix))))
        (if (local.get $res)
          (then
            (local.set $r0 (f32x4.add (local.get $r0) (v128.load (i32.add (i32.add (local.get $o0) (local.get $off)) (local.get $res)))))
            (local.set $r1 (f32x4.add (local.get $r1) (v128.load (i32.add (i32.add (local.get $o1) (local.get $off)) (local.get $res)))))
            (local.set $r2 (f32x4.add (local.get $r2) (v128.load (i32.add (i32.add (local.get $o2) (local.get $off)) (local.get $res)))))
            (local.set $r3 (f32x4.add (local.get $r3) (v128.load (i32.add (i32.add (local.get $o3) (local.get $off)) (local.get $res)))))))
        (if (local.get $leaky)
          (then
            (local.set $r0 (f32x4.pmax (local.get $r0) (f32x4.mul (local.get $alpha) (local.get $r0))))
            (local.set $r1 (f32x4.pmax (local.get $r1) (f32x4.mul (local.get $alpha) (local.get $r1))))
            (local.set $r2 (f32x4.pmax (local.get $r2) (f32x4.mul (local.get $alpha) (local.get $r2))))
            (local.set $r3 (f32x4.pmax (local.get $r3) (f32x4.mul (local.get $alpha) (local.get $r3))))))
        (v128.store (i32.add (local.get $o0) (local.get $off)) (f32x4.pmin (f32x4.pmax (local.get $r0) (local.get $lo)) (local.get $hi)))
        (v128.store (i32.add (local.get $o1) (local.get $off)) (f32x4.pmin (f32x4.pmax (local.get $r1) (local.get $lo)) (local.get $hi)))
        (v128.store (i32.add (local.get $o2) (local.get $off)) (f32x4.pmin (f32x4.pmax (local.get $r2) (local.get $lo)) (local.get $hi)))
        (v128.store (i32.add (local.get $o3) (local.get $off)) (f32x4.pmin (f32x4.pmax (local.get $r3) (local.get $lo)) (local.get $hi)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $colsJ (i32.lt_u (local.get $j) (local.get $mo))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rowsI (i32.lt_u (local.get $i) (local.get $mo)))))

  ;; The max of the 2x2 block of vectors at q (row of m vectors).
  (func $max2x2 (param $q i32) (param $m i32) (result v128)
    (local $r i32)
    (local.set $r (i32.add (local.get $q) (i32.shl (local.get $m) (i32.const 4))))
    (f32x4.pmax (f32x4.pmax (v128.load offset=0 (local.get $q)) (v128.load offset=16 (local.get $q)))
      (f32x4.pmax (v128.load offset=0 (local.get $r)) (v128.load offset=16 (local.get $r)))))

  ;; =============================================================================================
  ;; op 1: dense convolution, NHWC, any kernel, stride, dilation and padding, groups whose output
  ;; channels are a multiple of 4; also fully connected layers (a "convolution" whose window is
  ;; the whole input). Implicit GEMM: output pixel x input window, 4 pixels x 8 channels a step
  ;; (the register blocks of lib/conv.wat).
  ;;
  ;; Descriptor (descriptors.ts): inBase (window origin of output pixel (0,0), image 0) inImg inRowStep
  ;; (window origins of consecutive output rows) inPixStep koff K groups inGroupStep
  ;; w coutg outBase outImg outRow outPix outH outW bias lo hi
  ;; alpha resDelta imagesAsPixels (1: the n images are one row of n pixels: fully
  ;; connected layers, so 4 images share each weight load) blocks (of 8 output channels per
  ;; group) counter (0; in a team the i32 its threads take units of work from: one band x a
  ;; pair of blocks, 64 bytes of a pixel's output, so no cache line is written by two threads,
  ;; and a thread slowed on this call takes fewer; zeroed before each call)
  ;; rowTab kh L (L > 0: row runs, rowTab the kh window rows' byte offsets; K = kh * L; else
  ;; koff: the byte offset of each of the K (ky, kx, ci) window entries) band (loop order, below).
  ;; Weights, per group: blocks of 8 output channels [block][k][8], then, when coutg % 8 = 4, one
  ;; block of 4 [k][4]; groups K * coutg floats apart.
  (func $conv (param $d i32) (param $n i32) (param $first i32)
    (local $images i32) (local $H i32) (local $W i32) (local $ip i32) (local $op i32) (local $img i32) (local $y0 i32)
    (local $g i32) (local $blk i32) (local $band i32) (local $rows i32)
    (local $coutg i32) (local $K i32) (local $nb i32) (local $pairs i32) (local $units i32) (local $u i32)
    (local.set $images (i32.add (local.get $first) (local.get $n)))
    (local.set $H (i32.load offset={conv.outH} (local.get $d)))
    (local.set $W (i32.load offset={conv.outW} (local.get $d)))
    (local.set $ip (i32.load offset={conv.inPixStep} (local.get $d)))
    (local.set $op (i32.load offset={conv.outPix} (local.get $d)))
    (local.set $K (i32.load offset={conv.K} (local.get $d)))
    (local.set $coutg (i32.load offset={conv.coutg} (local.get $d)))
    (local.set $band (i32.load offset={conv.band} (local.get $d)))
    (if (i32.load offset={conv.imagesAsPixels} (local.get $d))
      (then
        ;; the images are pixels first .. first + n - 1 of one row
        (local.set $images (i32.add (local.get $first) (i32.const 1)))
        (local.set $H (i32.const 1))
        (local.set $W (local.get $n))
        (local.set $band (i32.const 1))
        (local.set $ip (i32.load offset={conv.inImg} (local.get $d)))
        (local.set $op (i32.load offset={conv.outImg} (local.get $d)))))
    ;; A team sharing the step by a counter: each thread takes units of one band x a pair of
    ;; blocks (bands fastest, so a thread's next unit often has the same weights) until none is
    ;; left; a thread slowed on this call takes fewer.
    (if (i32.load offset={conv.counter} (local.get $d))
      (then
        (local.set $nb (i32.div_u (i32.add (local.get $H) (i32.sub (local.get $band) (i32.const 1))) (local.get $band)))
        (local.set $pairs (i32.shr_u (i32.add (i32.load offset={conv.blocks} (local.get $d)) (i32.const 1)) (i32.const 1)))
        (local.set $units (i32.mul (i32.mul (i32.mul (i32.sub (local.get $images) (local.get $first)) (i32.load offset={conv.groups} (local.get $d)))
          (local.get $pairs)) (local.get $nb)))
        (block $unitsDone
          (loop $units
            (local.set $u (i32.atomic.rmw.add (i32.load offset={conv.counter} (local.get $d)) (i32.const 1)))
            (br_if $unitsDone (i32.ge_u (local.get $u) (local.get $units)))
            (local.set $y0 (i32.mul (i32.rem_u (local.get $u) (local.get $nb)) (local.get $band)))
            (local.set $u (i32.div_u (local.get $u) (local.get $nb)))
            (local.set $blk (i32.shl (i32.rem_u (local.get $u) (local.get $pairs)) (i32.const 1)))
            (local.set $u (i32.div_u (local.get $u) (local.get $pairs)))
            (local.set $g (i32.rem_u (local.get $u) (i32.load offset={conv.groups} (local.get $d))))
            (local.set $img (i32.add (local.get $first) (i32.div_u (local.get $u) (i32.load offset={conv.groups} (local.get $d)))))
            (local.set $rows (select (local.get $band) (i32.sub (local.get $H) (local.get $y0))
              (i32.le_u (i32.add (local.get $y0) (local.get $band)) (local.get $H))))
            (call $convBlock (local.get $d) (local.get $img) (local.get $g) (local.get $y0) (local.get $rows) (local.get $blk)
              (local.get $ip) (local.get $op) (local.get $W) (local.get $K) (local.get $coutg))
            (if (i32.lt_u (i32.add (local.get $blk) (i32.const 1)) (i32.load offset={conv.blocks} (local.get $d)))
              (then
                (call $convBlock (local.get $d) (local.get $img) (local.get $g) (local.get $y0) (local.get $rows) (i32.add (local.get $blk) (i32.const 1))
                  (local.get $ip) (local.get $op) (local.get $W) (local.get $K) (local.get $coutg))))
            (br $units)))
        (return)))
    ;; Bands of `band` output rows, blocks of 8 output channels inside bands, the band's pixels
    ;; inside blocks, 4 at a time across its rows (a row of 7 or 14 pixels is not left with 3 or
    ;; 2 pixels of the slower one-pixel block). A block's weights stay in cache across its band;
    ;; band = outH (weights larger than the input image) reads every weight once per image,
    ;; the image from the second-level cache once per block.
    (local.set $img (local.get $first))
    (loop $images
      (local.set $g (i32.const 0))
      (loop $groups
        (local.set $y0 (i32.const 0))
        (loop $bands
          (local.set $rows (select (local.get $band) (i32.sub (local.get $H) (local.get $y0))
            (i32.le_u (i32.add (local.get $y0) (local.get $band)) (local.get $H))))
          (local.set $blk (i32.const 0))
          (block $blocksDone
            (loop $blockLoop
              (br_if $blocksDone (i32.ge_u (local.get $blk) (i32.load offset={conv.blocks} (local.get $d))))
              (call $convBlock (local.get $d) (local.get $img) (local.get $g) (local.get $y0) (local.get $rows) (local.get $blk)
                (local.get $ip) (local.get $op) (local.get $W) (local.get $K) (local.get $coutg))
              (local.set $blk (i32.add (local.get $blk) (i32.const 1)))
              (br $blockLoop)))
          (local.set $y0 (i32.add (local.get $y0) (local.get $rows)))
          (br_if $bands (i32.lt_u (local.get $y0) (local.get $H))))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br_if $groups (i32.lt_u (local.get $g) (i32.load offset={conv.groups} (local.get $d)))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $images)))))

  ;; Output rows y0 .. y0 + rows - 1 of image img, group g, x block blk of 8 output channels.
  (func $convBlock (param $d i32) (param $img i32) (param $g i32) (param $y0 i32) (param $rows i32) (param $blk i32)
    (param $ip i32) (param $op i32) (param $W i32) (param $K i32) (param $coutg i32)
    (local $co i32)
    (local.set $co (i32.add (i32.mul (local.get $g) (local.get $coutg)) (i32.shl (local.get $blk) (i32.const 3))))
    (call $convBand (local.get $d)
      (i32.add (i32.add (i32.add (i32.load offset={conv.inBase} (local.get $d))
        (i32.mul (local.get $img) (i32.load offset={conv.inImg} (local.get $d))))
        (i32.mul (local.get $y0) (i32.load offset={conv.inRowStep} (local.get $d))))
        (i32.mul (local.get $g) (i32.load offset={conv.inGroupStep} (local.get $d))))
      (local.get $ip)
      (i32.add (i32.add (i32.add (i32.load offset={conv.outBase} (local.get $d))
        (i32.mul (local.get $img) (i32.load offset={conv.outImg} (local.get $d))))
        (i32.mul (local.get $y0) (i32.load offset={conv.outRow} (local.get $d))))
        (i32.shl (local.get $co) (i32.const 2)))
      (local.get $op) (local.get $W)
      (i32.mul (local.get $rows) (local.get $W))
      (i32.add (i32.load offset={conv.w} (local.get $d)) (i32.shl (i32.mul (local.get $K) (local.get $co)) (i32.const 2)))
      (i32.add (i32.load offset={conv.bias} (local.get $d)) (i32.shl (local.get $co) (i32.const 2)))
      (i32.le_u (i32.add (i32.shl (local.get $blk) (i32.const 3)) (i32.const 8)) (local.get $coutg))))

  ;; P output pixels of a band of rows W pixels wide (window origins in, in + ip, ... along a
  ;; row, rows conv.inRowStep apart; outputs out, out + op, ..., rows conv.outRow apart) x one
  ;; block of output channels (weights wb, bias b; 8 wide, or the last 4): 4 pixels a step,
  ;; across rows, then one at a time; the window read as row runs (conv.L > 0) or through its
  ;; offset table.
  (func $convBand (param $d i32) (param $in i32) (param $ip i32) (param $out i32) (param $op i32) (param $W i32) (param $P i32)
    (param $wb i32) (param $b i32) (param $wide i32)
    (local $x i32) (local $q i32) (local $inRow i32) (local $outRow i32) (local $Lb i32) (local $tab i32) (local $tabEnd i32)
    (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32) (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $a0 v128) (local $a1 v128) (local $epi i32)
    (local.set $inRow (i32.load offset={conv.inRowStep} (local.get $d)))
    (local.set $outRow (i32.load offset={conv.outRow} (local.get $d)))
    (local.set $Lb (i32.shl (i32.load offset={conv.L} (local.get $d)) (i32.const 2)))
    (if (local.get $Lb)
      (then
        (local.set $tab (i32.load offset={conv.rowTab} (local.get $d)))
        (local.set $tabEnd (i32.add (local.get $tab) (i32.shl (i32.load offset={conv.kh} (local.get $d)) (i32.const 2)))))
      (else
        (local.set $tab (i32.load offset={conv.koff} (local.get $d)))
        (local.set $tabEnd (i32.add (local.get $tab) (i32.shl (i32.load offset={conv.K} (local.get $d)) (i32.const 2))))))
    ;; (in, out) walk the band's rows: x is the pixel's column, in and out its row's first pixel
    (block $done4
      (loop $px4
        (br_if $done4 (i32.gt_u (i32.add (local.get $q) (i32.const 4)) (local.get $P)))
        (local.set $i0 (i32.add (local.get $in) (i32.mul (local.get $x) (local.get $ip))))
        (local.set $o0 (i32.add (local.get $out) (i32.mul (local.get $x) (local.get $op))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (if (i32.eq (local.get $x) (local.get $W))
          (then (local.set $x (i32.const 0)) (local.set $in (i32.add (local.get $in) (local.get $inRow))) (local.set $out (i32.add (local.get $out) (local.get $outRow)))))
        (local.set $i1 (i32.add (local.get $in) (i32.mul (local.get $x) (local.get $ip))))
        (local.set $o1 (i32.add (local.get $out) (i32.mul (local.get $x) (local.get $op))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (if (i32.eq (local.get $x) (local.get $W))
          (then (local.set $x (i32.const 0)) (local.set $in (i32.add (local.get $in) (local.get $inRow))) (local.set $out (i32.add (local.get $out) (local.get $outRow)))))
        (local.set $i2 (i32.add (local.get $in) (i32.mul (local.get $x) (local.get $ip))))
        (local.set $o2 (i32.add (local.get $out) (i32.mul (local.get $x) (local.get $op))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (if (i32.eq (local.get $x) (local.get $W))
          (then (local.set $x (i32.const 0)) (local.set $in (i32.add (local.get $in) (local.get $inRow))) (local.set $out (i32.add (local.get $out) (local.get $outRow)))))
        (local.set $i3 (i32.add (local.get $in) (i32.mul (local.get $x) (local.get $ip))))
        (local.set $o3 (i32.add (local.get $out) (i32.mul (local.get $x) (local.get $op))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (if (i32.eq (local.get $x) (local.get $W))
          (then (local.set $x (i32.const 0)) (local.set $in (i32.add (local.get $in) (local.get $inRow))) (local.set $out (i32.add (local.get $out) (local.get $outRow)))))
        (if (local.get $Lb)
          (then
            (call $store4 (local.get $d) (local.get $o0) (local.get $o1) (local.get $o2) (local.get $o3) (local.get $b) (local.get $wide)
              (call $runs4x8 (local.get $i0) (local.get $i1) (local.get $i2) (local.get $i3) (local.get $tab) (local.get $tabEnd)
                (i32.const 4) (i32.const 0) (local.get $Lb) (local.get $wb) (local.get $wide) (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0))))
          (else
            (call $store4 (local.get $d) (local.get $o0) (local.get $o1) (local.get $o2) (local.get $o3) (local.get $b) (local.get $wide)
              (call $taps4x8 (local.get $i0) (local.get $i1) (local.get $i2) (local.get $i3) (local.get $tab) (local.get $tabEnd)
                (local.get $wb) (local.get $wide)))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $px4)))
    (local.set $epi (i32.add (local.get $d) (i32.const {conv.lo})))
    (block $done1
      (loop $px1
        (br_if $done1 (i32.ge_u (local.get $q) (local.get $P)))
        (local.set $o0 (i32.add (local.get $out) (i32.mul (local.get $x) (local.get $op))))
        (call $window1x8 (i32.add (local.get $in) (i32.mul (local.get $x) (local.get $ip))) (local.get $tab) (local.get $tabEnd)
          (local.get $Lb) (local.get $wb) (local.get $wide))
        (local.set $a1)
        (local.set $a0)
        (call $epi (local.get $a0) (local.get $o0) (v128.load offset=0 (local.get $b)) (local.get $epi))
        (if (local.get $wide)
          (then (call $epi (local.get $a1) (i32.add (local.get $o0) (i32.const 16)) (v128.load offset=16 (local.get $b)) (local.get $epi))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (if (i32.eq (local.get $x) (local.get $W))
          (then (local.set $x (i32.const 0)) (local.set $in (i32.add (local.get $in) (local.get $inRow))) (local.set $out (i32.add (local.get $out) (local.get $outRow)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $px1))))

  ;; The epilogue of four output pixels (o0 .. o3) x one block of output channels:
  ;; a0 a2 a4 a6 channels 0-3 of each pixel, a1 a3 a5 a7 channels 4-7 (when wide). $epi's
  ;; arithmetic, its descriptor words read once for the 8 vectors (as calls, V8 reloads them
  ;; for each: a tenth of a 1x1 layer's time).
  (func $store4 (param $d i32) (param $o0 i32) (param $o1 i32) (param $o2 i32) (param $o3 i32) (param $b i32) (param $wide i32)
    (param $a0 v128) (param $a1 v128) (param $a2 v128) (param $a3 v128) (param $a4 v128) (param $a5 v128) (param $a6 v128) (param $a7 v128)
    (local $r i32) (local $lo v128) (local $hi v128) (local $alpha v128) (local $b0 v128) (local $b1 v128)
    (local.set $b0 (v128.load offset=0 (local.get $b)))
    (local.set $a0 (f32x4.add (local.get $a0) (local.get $b0)))
    (local.set $a2 (f32x4.add (local.get $a2) (local.get $b0)))
    (local.set $a4 (f32x4.add (local.get $a4) (local.get $b0)))
    (local.set $a6 (f32x4.add (local.get $a6) (local.get $b0)))
    (local.set $r (i32.load offset={conv.resDelta} (local.get $d)))
    (if (local.get $r)
      (then
        (local.set $a0 (f32x4.add (local.get $a0) (v128.load (i32.add (local.get $o0) (local.get $r)))))
        (local.set $a2 (f32x4.add (local.get $a2) (v128.load (i32.add (local.get $o1) (local.get $r)))))
        (local.set $a4 (f32x4.add (local.get $a4) (v128.load (i32.add (local.get $o2) (local.get $r)))))
        (local.set $a6 (f32x4.add (local.get $a6) (v128.load (i32.add (local.get $o3) (local.get $r)))))))
    (local.set $lo (v128.load32_splat offset={conv.lo} (local.get $d)))
    (local.set $hi (v128.load32_splat offset={conv.hi} (local.get $d)))
    (local.set $alpha (v128.load32_splat offset={conv.alpha} (local.get $d)))
    (v128.store (local.get $o0) (f32x4.pmin (f32x4.pmax (local.get $a0) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a0)))) (local.get $hi)))
    (v128.store (local.get $o1) (f32x4.pmin (f32x4.pmax (local.get $a2) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a2)))) (local.get $hi)))
    (v128.store (local.get $o2) (f32x4.pmin (f32x4.pmax (local.get $a4) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a4)))) (local.get $hi)))
    (v128.store (local.get $o3) (f32x4.pmin (f32x4.pmax (local.get $a6) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a6)))) (local.get $hi)))
    (if (local.get $wide)
      (then
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $a1 (f32x4.add (local.get $a1) (local.get $b1)))
        (local.set $a3 (f32x4.add (local.get $a3) (local.get $b1)))
        (local.set $a5 (f32x4.add (local.get $a5) (local.get $b1)))
        (local.set $a7 (f32x4.add (local.get $a7) (local.get $b1)))
        (if (local.get $r)
          (then
            (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (i32.add (local.get $o0) (local.get $r)))))
            (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=16 (i32.add (local.get $o1) (local.get $r)))))
            (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=16 (i32.add (local.get $o2) (local.get $r)))))
            (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=16 (i32.add (local.get $o3) (local.get $r)))))))
        (v128.store offset=16 (local.get $o0) (f32x4.pmin (f32x4.pmax (local.get $a1) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a1)))) (local.get $hi)))
        (v128.store offset=16 (local.get $o1) (f32x4.pmin (f32x4.pmax (local.get $a3) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a3)))) (local.get $hi)))
        (v128.store offset=16 (local.get $o2) (f32x4.pmin (f32x4.pmax (local.get $a5) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a5)))) (local.get $hi)))
        (v128.store offset=16 (local.get $o3) (f32x4.pmin (f32x4.pmax (local.get $a7) (f32x4.pmax (local.get $lo) (f32x4.mul (local.get $alpha) (local.get $a7)))) (local.get $hi))))))

  ;; =============================================================================================
  ;; op 10: sparse direct convolution (groups 1, mostly zero weights: chosen by measurement,
  ;; src/runtime/kernels.ts), any kernel, stride, dilation and padding. Per chunk of up to CH
  ;; output pixels (the pixels of all images of the call, in order):
  ;;   gather    V[k][pixel] = the pixel's window entry k = (ky * kw + kx) * cinp + ci (a row of
  ;;             CH floats per entry, `row` bytes apart): 4 channels x 4 pixels a step, loaded
  ;;             from NHWC and transposed; the input's zero border is the padding
  ;;   product   $product, the Winograd layers' sparse product: M[co] = sum over the nonzero
  ;;             weights w of row co (entries (k * row, w)) of w * V[k]; the zeros cost nothing
  ;;   epilogue  M (a row per output channel) transposed back to NHWC, 4 channels x 4 pixels a
  ;;             step, then bias, residual, activation
  ;; Lanes past a chunk's last pixel repeat it (and store its values again).
  ;; Descriptor (descriptors.ts): inBase (window origin of output pixel (0,0), image 0) inImg
  ;; inRowStep inPixStep koff (K / 4 byte offsets from the window origin, 4 channels of one window
  ;; pixel each: a table of K bytes) K outBase outImg outRow outPix outH outW coutp mat bias
  ;; lo hi alpha resDelta CH row V M tab (CH x (window origin, output address)) counter (0; in a
  ;; team the i32 its threads take chunks from, zeroed before each call).
  (func $sparseConv (param $d i32) (param $n i32) (param $first i32)
    (local $HW i32) (local $total i32) (local $size i32) (local $chunks i32) (local $u i32) (local $next i32) (local $counter i32) (local $t i32)
    (local.set $HW (i32.mul (i32.load offset={sparseConv.outH} (local.get $d)) (i32.load offset={sparseConv.outW} (local.get $d))))
    (local.set $total (i32.mul (local.get $n) (local.get $HW)))
    (local.set $size (call $chunkSize (local.get $total) (i32.load offset={sparseConv.CH} (local.get $d))))
    (if (i32.eqz (local.get $size)) (then (return)))
    (local.set $chunks (i32.div_u (i32.add (local.get $total) (i32.sub (local.get $size) (i32.const 1))) (local.get $size)))
    ;; A team takes chunks from the counter (a thread slowed on this call takes fewer); one thread takes them in order.
    (local.set $counter (i32.load offset={sparseConv.counter} (local.get $d)))
    (block $done
      (loop $chunk
        (if (local.get $counter)
          (then (local.set $u (i32.atomic.rmw.add (local.get $counter) (i32.const 1))))
          (else
            (local.set $u (local.get $next))
            (local.set $next (i32.add (local.get $next) (i32.const 1)))))
        (br_if $done (i32.ge_u (local.get $u) (local.get $chunks)))
        (local.set $t (i32.mul (local.get $u) (local.get $size)))
        (call $sparseChunk (local.get $d) (i32.add (i32.mul (local.get $first) (local.get $HW)) (local.get $t))
          (select (local.get $size) (i32.sub (local.get $total) (local.get $t))
            (i32.le_u (i32.add (local.get $t) (local.get $size)) (local.get $total))))
        (br $chunk))))

  ;; One chunk of $sparseConv: output pixels t0 .. t0 + nt - 1 (counted from image 0's first).
  (func $sparseChunk (param $d i32) (param $t0 i32) (param $nt i32)
    (local $nv i32) (local $k i32) (local $t i32) (local $img i32) (local $rem i32) (local $y i32) (local $x i32) (local $e i32)
    (local $HW i32) (local $W i32) (local $tab i32) (local $row i32) (local $g i32) (local $dst i32) (local $j i32) (local $jend i32)
    (local $off i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $q i32) (local $res i32) (local $cpB i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)
    (local $bias v128) (local $lo v128) (local $hi v128) (local $alpha v128)
    (local.set $W (i32.load offset={sparseConv.outW} (local.get $d)))
    (local.set $HW (i32.mul (i32.load offset={sparseConv.outH} (local.get $d)) (local.get $W)))
    (local.set $tab (i32.load offset={sparseConv.tab} (local.get $d)))
    (local.set $row (i32.load offset={sparseConv.row} (local.get $d)))
    (local.set $nv (i32.shr_u (i32.add (local.get $nt) (i32.const 3)) (i32.const 2)))
    ;; The pixel table; lanes past the last pixel repeat it.
    (local.set $k (i32.const 0))
    (loop $pixels
      (local.set $t (i32.add (local.get $t0)
        (select (local.get $k) (i32.sub (local.get $nt) (i32.const 1)) (i32.lt_u (local.get $k) (local.get $nt)))))
      (local.set $img (i32.div_u (local.get $t) (local.get $HW)))
      (local.set $rem (i32.sub (local.get $t) (i32.mul (local.get $img) (local.get $HW))))
      (local.set $y (i32.div_u (local.get $rem) (local.get $W)))
      (local.set $x (i32.sub (local.get $rem) (i32.mul (local.get $y) (local.get $W))))
      (local.set $e (i32.add (local.get $tab) (i32.shl (local.get $k) (i32.const 3))))
      (i32.store offset=0 (local.get $e)
        (i32.add (i32.add (i32.add (i32.load offset={sparseConv.inBase} (local.get $d))
          (i32.mul (local.get $img) (i32.load offset={sparseConv.inImg} (local.get $d))))
          (i32.mul (local.get $y) (i32.load offset={sparseConv.inRowStep} (local.get $d))))
          (i32.mul (local.get $x) (i32.load offset={sparseConv.inPixStep} (local.get $d)))))
      (i32.store offset=4 (local.get $e)
        (i32.add (i32.add (i32.add (i32.load offset={sparseConv.outBase} (local.get $d))
          (i32.mul (local.get $img) (i32.load offset={sparseConv.outImg} (local.get $d))))
          (i32.mul (local.get $y) (i32.load offset={sparseConv.outRow} (local.get $d))))
          (i32.mul (local.get $x) (i32.load offset={sparseConv.outPix} (local.get $d)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $pixels (i32.lt_u (local.get $k) (i32.shl (local.get $nv) (i32.const 2)))))
    ;; Gather, 4 pixels at a time: each window pixel's 4-channel groups, transposed into 4 rows of V.
    (local.set $jend (i32.add (i32.load offset={sparseConv.koff} (local.get $d)) (i32.load offset={sparseConv.K} (local.get $d))))
    (local.set $g (i32.const 0))
    (loop $gather
      (local.set $e (i32.add (local.get $tab) (i32.shl (local.get $g) (i32.const 5))))
      (local.set $p0 (i32.load offset=0 (local.get $e)))
      (local.set $p1 (i32.load offset=8 (local.get $e)))
      (local.set $p2 (i32.load offset=16 (local.get $e)))
      (local.set $p3 (i32.load offset=24 (local.get $e)))
      (local.set $dst (i32.add (i32.load offset={sparseConv.V} (local.get $d)) (i32.shl (local.get $g) (i32.const 4))))
      (local.set $j (i32.load offset={sparseConv.koff} (local.get $d)))
      (loop $entries
        (local.set $off (i32.load (local.get $j)))
        (local.set $r0 (v128.load (i32.add (local.get $p0) (local.get $off))))
        (local.set $r1 (v128.load (i32.add (local.get $p1) (local.get $off))))
        (local.set $r2 (v128.load (i32.add (local.get $p2) (local.get $off))))
        (local.set $r3 (v128.load (i32.add (local.get $p3) (local.get $off))))
        (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $u2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2)))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (v128.store (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2)))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u1) (local.get $u3)))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (v128.store (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u1) (local.get $u3)))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br_if $entries (i32.lt_u (local.get $j) (local.get $jend))))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br_if $gather (i32.lt_u (local.get $g) (local.get $nv))))
    (call $product (i32.load offset={sparseConv.V} (local.get $d)) (i32.load offset={sparseConv.M} (local.get $d))
      (i32.load offset={sparseConv.mat} (local.get $d)) (i32.const 0) (i32.load offset={sparseConv.coutp} (local.get $d))
      (local.get $nv) (local.get $row))
    ;; Epilogue, 4 pixels at a time: 4 rows of M (channels) transposed into each pixel's 4 channels.
    (local.set $lo (v128.load32_splat offset={sparseConv.lo} (local.get $d)))
    (local.set $hi (v128.load32_splat offset={sparseConv.hi} (local.get $d)))
    (local.set $alpha (v128.load32_splat offset={sparseConv.alpha} (local.get $d)))
    (local.set $res (i32.load offset={sparseConv.resDelta} (local.get $d)))
    (local.set $cpB (i32.shl (i32.load offset={sparseConv.coutp} (local.get $d)) (i32.const 2)))
    (local.set $g (i32.const 0))
    (loop $stores
      (local.set $e (i32.add (local.get $tab) (i32.shl (local.get $g) (i32.const 5))))
      (local.set $p0 (i32.load offset=4 (local.get $e)))
      (local.set $p1 (i32.load offset=12 (local.get $e)))
      (local.set $p2 (i32.load offset=20 (local.get $e)))
      (local.set $p3 (i32.load offset=28 (local.get $e)))
      (local.set $q (i32.add (i32.load offset={sparseConv.M} (local.get $d)) (i32.shl (local.get $g) (i32.const 4))))
      (local.set $off (i32.const 0))
      (loop $channels
        (local.set $r0 (v128.load (local.get $q)))
        (local.set $r1 (v128.load (i32.add (local.get $q) (local.get $row))))
        (local.set $r2 (v128.load (i32.add (local.get $q) (i32.shl (local.get $row) (i32.const 1)))))
        (local.set $r3 (v128.load (i32.add (local.get $q) (i32.mul (local.get $row) (i32.const 3)))))
        (local.set $u0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $u1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $u2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $u3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        (local.set $bias (v128.load (i32.add (i32.load offset={sparseConv.bias} (local.get $d)) (local.get $off))))
        (local.set $r0 (f32x4.add (local.get $bias) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u0) (local.get $u2))))
        (local.set $r1 (f32x4.add (local.get $bias) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u0) (local.get $u2))))
        (local.set $r2 (f32x4.add (local.get $bias) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u1) (local.get $u3))))
        (local.set $r3 (f32x4.add (local.get $bias) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u1) (local.get $u3))))
        (if (local.get $res)
          (then
            (local.set $r0 (f32x4.add (local.get $r0) (v128.load (i32.add (i32.add (local.get $p0) (local.get $off)) (local.get $res)))))
            (local.set $r1 (f32x4.add (local.get $r1) (v128.load (i32.add (i32.add (local.get $p1) (local.get $off)) (local.get $res)))))
            (local.set $r2 (f32x4.add (local.get $r2) (v128.load (i32.add (i32.add (local.get $p2) (local.get $off)) (local.get $res)))))
            (local.set $r3 (f32x4.add (local.get $r3) (v128.load (i32.add (i32.add (local.get $p3) (local.get $off)) (local.get $res)))))))
        (v128.store (i32.add (local.get $p0) (local.get $off)) (call $act (local.get $r0) (local.get $lo) (local.get $hi) (local.get $alpha)))
        (v128.store (i32.add (local.get $p1) (local.get $off)) (call $act (local.get $r1) (local.get $lo) (local.get $hi) (local.get $alpha)))
        (v128.store (i32.add (local.get $p2) (local.get $off)) (call $act (local.get $r2) (local.get $lo) (local.get $hi) (local.get $alpha)))
        (v128.store (i32.add (local.get $p3) (local.get $off)) (call $act (local.get $r3) (local.get $lo) (local.get $hi) (local.get $alpha)))
        (local.set $q (i32.add (local.get $q) (i32.shl (local.get $row) (i32.const 2))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br_if $channels (i32.lt_u (local.get $off) (local.get $cpB))))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br_if $stores (i32.lt_u (local.get $g) (local.get $nv)))))

  ;; =============================================================================================
  ;; op 2: depthwise convolution (one input channel per group, one output channel per input
  ;; channel), channels as SIMD lanes.
  ;; Descriptor (descriptors.ts): inBase (window origin of output (0,0), image 0) inImg inRowStep
  ;; inPixStep taps (byte offsets of the window's pixels) ntaps cp w ([tap][cp])
  ;; outBase outImg outRow outPix outH outW bias lo hi alpha resDelta
  (func $depthwise (param $d i32) (param $n i32) (param $first i32)
    (local $img i32) (local $oy i32) (local $ox i32) (local $in i32) (local $out i32) (local $c i32) (local $cpB i32)
    (local $t i32) (local $tend i32) (local $wp i32) (local $acc v128)
    (local.set $cpB (i32.shl (i32.load offset={depthwise.cp} (local.get $d)) (i32.const 2)))
    (local.set $tend (i32.add (i32.load offset={depthwise.taps} (local.get $d)) (i32.shl (i32.load offset={depthwise.ntaps} (local.get $d)) (i32.const 2))))
    (local.set $n (i32.add (local.get $first) (local.get $n)))
    (local.set $img (local.get $first))
    (loop $images
      (local.set $oy (i32.const 0))
      (loop $rows
        (local.set $ox (i32.const 0))
        (loop $cols
          (local.set $in (i32.add (i32.add (i32.add (i32.load offset={depthwise.inBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={depthwise.inImg} (local.get $d))))
            (i32.mul (local.get $oy) (i32.load offset={depthwise.inRowStep} (local.get $d)))) (i32.mul (local.get $ox) (i32.load offset={depthwise.inPixStep} (local.get $d)))))
          (local.set $out (i32.add (i32.add (i32.add (i32.load offset={depthwise.outBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={depthwise.outImg} (local.get $d))))
            (i32.mul (local.get $oy) (i32.load offset={depthwise.outRow} (local.get $d)))) (i32.mul (local.get $ox) (i32.load offset={depthwise.outPix} (local.get $d)))))
          (local.set $c (i32.const 0))
          (loop $channels
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $t (i32.load offset={depthwise.taps} (local.get $d)))
            (local.set $wp (i32.add (i32.load offset={depthwise.w} (local.get $d)) (local.get $c)))
            (loop $taps
              (local.set $acc (f32x4.add (local.get $acc)
                (f32x4.mul (v128.load (i32.add (i32.add (local.get $in) (i32.load (local.get $t))) (local.get $c))) (v128.load (local.get $wp)))))
              (local.set $wp (i32.add (local.get $wp) (local.get $cpB)))
              (local.set $t (i32.add (local.get $t) (i32.const 4)))
              (br_if $taps (i32.lt_u (local.get $t) (local.get $tend))))
            (call $epi (local.get $acc) (i32.add (local.get $out) (local.get $c))
              (v128.load (i32.add (i32.load offset={depthwise.bias} (local.get $d)) (local.get $c))) (i32.add (local.get $d) (i32.const {depthwise.lo})))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br_if $channels (i32.lt_u (local.get $c) (local.get $cpB))))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br_if $cols (i32.lt_u (local.get $ox) (i32.load offset={depthwise.outW} (local.get $d)))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $oy) (i32.load offset={depthwise.outH} (local.get $d)))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $n)))))

  ;; =============================================================================================
  ;; op 3: max / average pooling (global pooling is a window as large as the input), channels as
  ;; lanes; windows are clipped to the input, so padding never wins a max.
  ;; Descriptor (descriptors.ts): inBase (input pixel (0,0), image 0) inImg inRow inPix H W cp
  ;; outBase outImg outRow outPix outH outW kh kw sh sw padTop
  ;; padLeft mode (0 max, 1 average of the pixels inside, 2 average over kh * kw) rowLo rowHi
  ;; (the output rows this thread computes: all of them but in a team) lo hi alpha
  (func $pool (param $d i32) (param $n i32) (param $first i32)
    (local $img i32) (local $oy i32) (local $ox i32) (local $ys i32) (local $ye i32) (local $xs i32) (local $xe i32)
    (local $y i32) (local $x i32) (local $c i32) (local $cpB i32) (local $base i32) (local $out i32) (local $p i32)
    (local $acc v128) (local $scale v128) (local $mode i32) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $lo v128) (local $hi v128) (local $alpha v128)
    (local.set $cpB (i32.shl (i32.load offset={pool.cp} (local.get $d)) (i32.const 2)))
    (local.set $lo (v128.load32_splat offset={pool.lo} (local.get $d)))
    (local.set $hi (v128.load32_splat offset={pool.hi} (local.get $d)))
    (local.set $alpha (v128.load32_splat offset={pool.alpha} (local.get $d)))
    (local.set $mode (i32.load offset={pool.mode} (local.get $d)))
    (local.set $n (i32.add (local.get $first) (local.get $n)))
    (local.set $img (local.get $first))
    (loop $images
      (local.set $oy (i32.load offset={pool.rowLo} (local.get $d)))
      (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $oy) (i32.load offset={pool.rowHi} (local.get $d))))
        (local.set $ys (i32.sub (i32.mul (local.get $oy) (i32.load offset={pool.sh} (local.get $d))) (i32.load offset={pool.padTop} (local.get $d))))
        (local.set $ye (i32.add (local.get $ys) (i32.load offset={pool.kh} (local.get $d))))
        (if (i32.lt_s (local.get $ys) (i32.const 0)) (then (local.set $ys (i32.const 0))))
        (if (i32.gt_s (local.get $ye) (i32.load offset={pool.H} (local.get $d))) (then (local.set $ye (i32.load offset={pool.H} (local.get $d)))))
        (local.set $ox (i32.const 0))
        (loop $cols
          (local.set $xs (i32.sub (i32.mul (local.get $ox) (i32.load offset={pool.sw} (local.get $d))) (i32.load offset={pool.padLeft} (local.get $d))))
          (local.set $xe (i32.add (local.get $xs) (i32.load offset={pool.kw} (local.get $d))))
          (if (i32.lt_s (local.get $xs) (i32.const 0)) (then (local.set $xs (i32.const 0))))
          (if (i32.gt_s (local.get $xe) (i32.load offset={pool.W} (local.get $d))) (then (local.set $xe (i32.load offset={pool.W} (local.get $d)))))
          (local.set $scale (f32x4.splat (f32.div (f32.const 1)
            (f32.convert_i32_s (i32.mul (i32.sub (local.get $ye) (local.get $ys)) (i32.sub (local.get $xe) (local.get $xs)))))))
          (if (i32.eq (local.get $mode) (i32.const 2))
            (then (local.set $scale (f32x4.splat (f32.div (f32.const 1)
              (f32.convert_i32_s (i32.mul (i32.load offset={pool.kh} (local.get $d)) (i32.load offset={pool.kw} (local.get $d)))))))))
          (local.set $base (i32.add (i32.load offset={pool.inBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={pool.inImg} (local.get $d)))))
          (local.set $out (i32.add (i32.add (i32.add (i32.load offset={pool.outBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={pool.outImg} (local.get $d))))
            (i32.mul (local.get $oy) (i32.load offset={pool.outRow} (local.get $d)))) (i32.mul (local.get $ox) (i32.load offset={pool.outPix} (local.get $d)))))
          ;; 4 vectors (16 channels) a pass over the window while they last, then one at a time:
          ;; each tap's address computed once for 4 loads (ResNet-18's 3x3 stride-2 max pool over
          ;; 64 channels: the address arithmetic was most of the work).
          (local.set $c (i32.const 0))
          (block $wideDone
            (loop $wide
              (br_if $wideDone (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $cpB)))
              (if (local.get $mode)
                (then (local.set $acc (v128.const i32x4 0 0 0 0)))
                (else (local.set $acc (f32x4.splat (f32.const -inf)))))
              (local.set $a1 (local.get $acc))
              (local.set $a2 (local.get $acc))
              (local.set $a3 (local.get $acc))
              (local.set $y (local.get $ys))
              (block $doneWY
                (loop $wwy
                  (br_if $doneWY (i32.ge_s (local.get $y) (local.get $ye)))
                  (local.set $x (local.get $xs))
                  (block $doneWX
                    (loop $wwx
                      (br_if $doneWX (i32.ge_s (local.get $x) (local.get $xe)))
                      (local.set $p (i32.add (i32.add (i32.add (local.get $base) (i32.mul (local.get $y) (i32.load offset={pool.inRow} (local.get $d))))
                        (i32.mul (local.get $x) (i32.load offset={pool.inPix} (local.get $d)))) (local.get $c)))
                      (if (local.get $mode)
                        (then
                          (local.set $acc (f32x4.add (local.get $acc) (v128.load offset=0 (local.get $p))))
                          (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
                          (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
                          (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p)))))
                        (else
                          (local.set $acc (f32x4.pmax (local.get $acc) (v128.load offset=0 (local.get $p))))
                          (local.set $a1 (f32x4.pmax (local.get $a1) (v128.load offset=16 (local.get $p))))
                          (local.set $a2 (f32x4.pmax (local.get $a2) (v128.load offset=32 (local.get $p))))
                          (local.set $a3 (f32x4.pmax (local.get $a3) (v128.load offset=48 (local.get $p))))))
                      (local.set $x (i32.add (local.get $x) (i32.const 1)))
                      (br $wwx)))
                  (local.set $y (i32.add (local.get $y) (i32.const 1)))
                  (br $wwy)))
              (if (local.get $mode)
                (then
                  (local.set $acc (f32x4.mul (local.get $acc) (local.get $scale)))
                  (local.set $a1 (f32x4.mul (local.get $a1) (local.get $scale)))
                  (local.set $a2 (f32x4.mul (local.get $a2) (local.get $scale)))
                  (local.set $a3 (f32x4.mul (local.get $a3) (local.get $scale)))))
              (v128.store offset=0 (i32.add (local.get $out) (local.get $c)) (call $act (local.get $acc) (local.get $lo) (local.get $hi) (local.get $alpha)))
              (v128.store offset=16 (i32.add (local.get $out) (local.get $c)) (call $act (local.get $a1) (local.get $lo) (local.get $hi) (local.get $alpha)))
              (v128.store offset=32 (i32.add (local.get $out) (local.get $c)) (call $act (local.get $a2) (local.get $lo) (local.get $hi) (local.get $alpha)))
              (v128.store offset=48 (i32.add (local.get $out) (local.get $c)) (call $act (local.get $a3) (local.get $lo) (local.get $hi) (local.get $alpha)))
              (local.set $c (i32.add (local.get $c) (i32.const 64)))
              (br $wide)))
          (block $channelsDone
          (loop $channels
            (br_if $channelsDone (i32.ge_u (local.get $c) (local.get $cpB)))
            (if (local.get $mode)
              (then (local.set $acc (v128.const i32x4 0 0 0 0)))
              (else (local.set $acc (f32x4.splat (f32.const -inf)))))
            (local.set $y (local.get $ys))
            (block $doneY
              (loop $wy
                (br_if $doneY (i32.ge_s (local.get $y) (local.get $ye)))
                (local.set $x (local.get $xs))
                (block $doneX
                  (loop $wx
                    (br_if $doneX (i32.ge_s (local.get $x) (local.get $xe)))
                    (local.set $p (i32.add (i32.add (i32.add (local.get $base) (i32.mul (local.get $y) (i32.load offset={pool.inRow} (local.get $d))))
                      (i32.mul (local.get $x) (i32.load offset={pool.inPix} (local.get $d)))) (local.get $c)))
                    (if (local.get $mode)
                      (then (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p)))))
                      (else (local.set $acc (f32x4.pmax (local.get $acc) (v128.load (local.get $p))))))
                    (local.set $x (i32.add (local.get $x) (i32.const 1)))
                    (br $wx)))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $wy)))
            (if (local.get $mode) (then (local.set $acc (f32x4.mul (local.get $acc) (local.get $scale)))))
            (v128.store (i32.add (local.get $out) (local.get $c)) (call $act (local.get $acc) (local.get $lo) (local.get $hi) (local.get $alpha)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $channels)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br_if $cols (i32.lt_u (local.get $ox) (i32.load offset={pool.outW} (local.get $d)))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $rows)))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $n)))))

  ;; =============================================================================================
  ;; op 4: elementwise a (op) b, then the clamp activation. b is a tensor of a's shape, or one
  ;; value per channel, or one value (its strides 0: the planner sets them).
  ;; Descriptor (descriptors.ts): aBase aImg aRow aPix bBase bImg bRow bPix bVec (16, or 0
  ;; for one value splatted) oBase oImg oRow oPix H W cp op (0 add, 1 sub,
  ;; 2 mul, 3 div, 4 max, 5 min) lo hi alpha
  (func $binary (param $d i32) (param $n i32) (param $first i32)
    (local $img i32) (local $y i32) (local $x i32) (local $c i32) (local $cpB i32) (local $a i32) (local $b i32) (local $o i32)
    (local $bc i32) (local $op i32) (local $va v128) (local $vb v128) (local $r v128)
    (local $lo v128) (local $hi v128) (local $alpha v128)
    (local.set $cpB (i32.shl (i32.load offset={binary.cp} (local.get $d)) (i32.const 2)))
    (local.set $op (i32.load offset={binary.op} (local.get $d)))
    (local.set $lo (v128.load32_splat offset={binary.lo} (local.get $d)))
    (local.set $hi (v128.load32_splat offset={binary.hi} (local.get $d)))
    (local.set $alpha (v128.load32_splat offset={binary.alpha} (local.get $d)))
    (local.set $n (i32.add (local.get $first) (local.get $n)))
    (local.set $img (local.get $first))
    (loop $images
      (local.set $y (i32.const 0))
      (loop $rows
        (local.set $x (i32.const 0))
        (loop $cols
          (local.set $a (i32.add (i32.add (i32.add (i32.load offset={binary.aBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={binary.aImg} (local.get $d))))
            (i32.mul (local.get $y) (i32.load offset={binary.aRow} (local.get $d)))) (i32.mul (local.get $x) (i32.load offset={binary.aPix} (local.get $d)))))
          (local.set $b (i32.add (i32.add (i32.add (i32.load offset={binary.bBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={binary.bImg} (local.get $d))))
            (i32.mul (local.get $y) (i32.load offset={binary.bRow} (local.get $d)))) (i32.mul (local.get $x) (i32.load offset={binary.bPix} (local.get $d)))))
          (local.set $o (i32.add (i32.add (i32.add (i32.load offset={binary.oBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={binary.oImg} (local.get $d))))
            (i32.mul (local.get $y) (i32.load offset={binary.oRow} (local.get $d)))) (i32.mul (local.get $x) (i32.load offset={binary.oPix} (local.get $d)))))
          (local.set $c (i32.const 0))
          (local.set $bc (i32.const 0))
          (loop $channels
            (local.set $va (v128.load (i32.add (local.get $a) (local.get $c))))
            (local.set $vb (v128.load (i32.add (local.get $b) (local.get $bc))))
            (block $done
              (block $mn (block $mx (block $dv (block $ml (block $sb (block $ad
                (br_table $ad $sb $ml $dv $mx $mn $ad (local.get $op)))
                (local.set $r (f32x4.add (local.get $va) (local.get $vb))) (br $done))
                (local.set $r (f32x4.sub (local.get $va) (local.get $vb))) (br $done))
                (local.set $r (f32x4.mul (local.get $va) (local.get $vb))) (br $done))
                (local.set $r (f32x4.div (local.get $va) (local.get $vb))) (br $done))
                (local.set $r (f32x4.max (local.get $va) (local.get $vb))) (br $done))
              (local.set $r (f32x4.min (local.get $va) (local.get $vb))))
            (v128.store (i32.add (local.get $o) (local.get $c)) (call $act (local.get $r) (local.get $lo) (local.get $hi) (local.get $alpha)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (local.set $bc (i32.add (local.get $bc) (i32.load offset={binary.bVec} (local.get $d))))
            (br_if $channels (i32.lt_u (local.get $c) (local.get $cpB))))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br_if $cols (i32.lt_u (local.get $x) (i32.load offset={binary.W} (local.get $d)))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $y) (i32.load offset={binary.H} (local.get $d)))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $n)))))

  ;; exp(x) for 4 lanes: 2^k * p(r), k = round(x / ln 2), r = x - k ln 2 (ln 2 in two parts),
  ;; p the degree-7 Taylor polynomial (|r| <= 0.35: relative error below 1e-7); x clamped to
  ;; [-87, 88] (exp underflows to ~1.6e-38 and stays finite).
  (func $exp4 (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (f32x4.splat (f32.const -87))) (f32x4.splat (f32.const 88))))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (f32x4.splat (f32.const 0.693359375))))
      (f32x4.mul (local.get $k) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.98412698e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.38888889e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.33333333e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.16666667e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 0.166666667))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 0.5))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1))))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; =============================================================================================
  ;; op 5: elementwise functions, then the clamp activation.
  ;; Descriptor (descriptors.ts): aBase aImg aRow aPix oBase oImg oRow oPix H W cp
  ;; fn (0 none, 1 sigmoid, 2 tanh, 3 hard sigmoid max(0, min(1, p1 x + p2)), 4 x * hard sigmoid,
  ;; 5 exp, 6 per-channel x * scale[c] + shift[c] (p1, p2: addresses), 7 abs, 8 sqrt, 9 neg,
  ;; 10 x * sigmoid(x) (SiLU))
  ;; p1 p2 lo hi alpha
  (func $unary (param $d i32) (param $n i32) (param $first i32)
    (local $img i32) (local $y i32) (local $x i32) (local $c i32) (local $cpB i32) (local $a i32) (local $o i32)
    (local $fn i32) (local $v v128) (local $p1 v128) (local $p2 v128) (local $one v128)
    (local $lo v128) (local $hi v128) (local $alpha v128)
    (local.set $cpB (i32.shl (i32.load offset={unary.cp} (local.get $d)) (i32.const 2)))
    (local.set $fn (i32.load offset={unary.fn} (local.get $d)))
    (local.set $p1 (v128.load32_splat offset={unary.p1} (local.get $d)))
    (local.set $p2 (v128.load32_splat offset={unary.p2} (local.get $d)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $lo (v128.load32_splat offset={unary.lo} (local.get $d)))
    (local.set $hi (v128.load32_splat offset={unary.hi} (local.get $d)))
    (local.set $alpha (v128.load32_splat offset={unary.alpha} (local.get $d)))
    (local.set $n (i32.add (local.get $first) (local.get $n)))
    (local.set $img (local.get $first))
    (loop $images
      (local.set $y (i32.const 0))
      (loop $rows
        (local.set $x (i32.const 0))
        (loop $cols
          (local.set $a (i32.add (i32.add (i32.add (i32.load offset={unary.aBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={unary.aImg} (local.get $d))))
            (i32.mul (local.get $y) (i32.load offset={unary.aRow} (local.get $d)))) (i32.mul (local.get $x) (i32.load offset={unary.aPix} (local.get $d)))))
          (local.set $o (i32.add (i32.add (i32.add (i32.load offset={unary.oBase} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={unary.oImg} (local.get $d))))
            (i32.mul (local.get $y) (i32.load offset={unary.oRow} (local.get $d)))) (i32.mul (local.get $x) (i32.load offset={unary.oPix} (local.get $d)))))
          (local.set $c (i32.const 0))
          (loop $channels
            (local.set $v (v128.load (i32.add (local.get $a) (local.get $c))))
            (block $done
              (block $f10 (block $f9 (block $f8 (block $f7 (block $f6 (block $f5 (block $f4 (block $f3 (block $f2 (block $f1
                (br_table $done $f1 $f2 $f3 $f4 $f5 $f6 $f7 $f8 $f9 $f10 $done (local.get $fn)))
                ;; sigmoid 1 / (1 + exp(-x))
                (local.set $v (f32x4.div (local.get $one) (f32x4.add (local.get $one) (call $exp4 (f32x4.neg (local.get $v))))))
                (br $done))
                ;; tanh 2 / (1 + exp(-2x)) - 1
                (local.set $v (f32x4.sub (f32x4.div (f32x4.splat (f32.const 2))
                  (f32x4.add (local.get $one) (call $exp4 (f32x4.mul (f32x4.splat (f32.const -2)) (local.get $v)))))
                  (local.get $one)))
                (br $done))
                ;; hard sigmoid
                (local.set $v (f32x4.pmin (f32x4.pmax (f32x4.add (f32x4.mul (local.get $p1) (local.get $v)) (local.get $p2))
                  (v128.const i32x4 0 0 0 0)) (local.get $one)))
                (br $done))
                ;; hard swish
                (local.set $v (f32x4.mul (local.get $v) (f32x4.pmin (f32x4.pmax (f32x4.add (f32x4.mul (local.get $p1) (local.get $v)) (local.get $p2))
                  (v128.const i32x4 0 0 0 0)) (local.get $one))))
                (br $done))
                (local.set $v (call $exp4 (local.get $v)))
                (br $done))
                ;; per-channel affine
                (local.set $v (f32x4.add (f32x4.mul (local.get $v) (v128.load (i32.add (i32.load offset={unary.p1} (local.get $d)) (local.get $c))))
                  (v128.load (i32.add (i32.load offset={unary.p2} (local.get $d)) (local.get $c)))))
                (br $done))
                (local.set $v (f32x4.abs (local.get $v)))
                (br $done))
                (local.set $v (f32x4.sqrt (local.get $v)))
                (br $done))
                (local.set $v (f32x4.neg (local.get $v)))
                (br $done))
              ;; SiLU x / (1 + exp(-x))
              (local.set $v (f32x4.div (local.get $v) (f32x4.add (local.get $one) (call $exp4 (f32x4.neg (local.get $v)))))))
            (v128.store (i32.add (local.get $o) (local.get $c)) (call $act (local.get $v) (local.get $lo) (local.get $hi) (local.get $alpha)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br_if $channels (i32.lt_u (local.get $c) (local.get $cpB))))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br_if $cols (i32.lt_u (local.get $x) (i32.load offset={unary.W} (local.get $d)))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $y) (i32.load offset={unary.H} (local.get $d)))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $n)))))

  ;; =============================================================================================
  ;; op 6: copy through a table, per image: dst[dstOff[e]] = src[srcOff[e]] for e < count, `unit`
  ;; bytes (4 or 16) each; the layout changes the planner cannot avoid (NCHW input to NHWC, a
  ;; view materialised, Concat, Pad).
  ;; Descriptor (descriptors.ts): src srcImg dst dstImg table (pairs i32 srcOff, dstOff; srcOff < 0:
  ;; write zeros) count unit
  (func $copy (param $d i32) (param $n i32) (param $first i32)
    (local $img i32) (local $src i32) (local $dst i32) (local $e i32) (local $end i32) (local $s i32)
    (local.set $end (i32.add (i32.load offset={copy.table} (local.get $d)) (i32.shl (i32.load offset={copy.count} (local.get $d)) (i32.const 3))))
    (local.set $n (i32.add (local.get $first) (local.get $n)))
    (local.set $img (local.get $first))
    (block $allDone
      (loop $images
        (br_if $allDone (i32.ge_u (local.get $img) (local.get $n)))
        (local.set $src (i32.add (i32.load offset={copy.src} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={copy.srcImg} (local.get $d)))))
        (local.set $dst (i32.add (i32.load offset={copy.dst} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={copy.dstImg} (local.get $d)))))
        (local.set $e (i32.load offset={copy.table} (local.get $d)))
        (block $done
          (loop $entries
            (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
            (local.set $s (i32.load (local.get $e)))
            (if (i32.eq (i32.load offset={copy.unit} (local.get $d)) (i32.const 16))
              (then
                (v128.store (i32.add (local.get $dst) (i32.load offset=4 (local.get $e)))
                  (if (result v128) (i32.lt_s (local.get $s) (i32.const 0))
                    (then (v128.const i32x4 0 0 0 0))
                    (else (v128.load (i32.add (local.get $src) (local.get $s)))))))
              (else
                (f32.store (i32.add (local.get $dst) (i32.load offset=4 (local.get $e)))
                  (if (result f32) (i32.lt_s (local.get $s) (i32.const 0))
                    (then (f32.const 0))
                    (else (f32.load (i32.add (local.get $src) (local.get $s))))))))
            (local.set $e (i32.add (local.get $e) (i32.const 8)))
            (br $entries)))
        (local.set $img (i32.add (local.get $img) (i32.const 1)))
        (br $images))))

  ;; =============================================================================================
  ;; op 7: softmax over F values per image: y = exp(x - max x) / sum.
  ;; Descriptor (descriptors.ts): src srcImg dst dstImg F (the values are contiguous floats)
  (func $softmax (param $d i32) (param $n i32) (param $first i32)
    (local $img i32) (local $src i32) (local $dst i32) (local $i i32) (local $F i32) (local $mx f32) (local $sum f32) (local $v f32)
    (local.set $F (i32.load offset={softmax.F} (local.get $d)))
    (local.set $n (i32.add (local.get $first) (local.get $n)))
    (local.set $img (local.get $first))
    (block $allDone
      (loop $images
        (br_if $allDone (i32.ge_u (local.get $img) (local.get $n)))
        (local.set $src (i32.add (i32.load offset={softmax.src} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={softmax.srcImg} (local.get $d)))))
        (local.set $dst (i32.add (i32.load offset={softmax.dst} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={softmax.dstImg} (local.get $d)))))
        (local.set $mx (f32.const -inf))
        (local.set $i (i32.const 0))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $i) (local.get $F)))
          (local.set $mx (f32.max (local.get $mx) (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l1)))
        (local.set $sum (f32.const 0))
        (local.set $i (i32.const 0))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $i) (local.get $F)))
          (local.set $v (f32x4.extract_lane 0 (call $exp4 (f32x4.splat
            (f32.sub (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))) (local.get $mx))))))
          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
          (local.set $sum (f32.add (local.get $sum) (local.get $v)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l2)))
        (local.set $i (i32.const 0))
        (block $d3 (loop $l3
          (br_if $d3 (i32.ge_u (local.get $i) (local.get $F)))
          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
            (f32.div (f32.load (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))) (local.get $sum)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l3)))
        (local.set $img (i32.add (local.get $img) (i32.const 1)))
        (br $images))))
;; =============================================================================================
  ;; op 8: clears byte ranges of each image (what a Winograd layer's whole tiles wrote outside
  ;; its output: the zero border its consumers read as padding).
  ;; Descriptor (descriptors.ts): base (image 0) imgStride table (pairs i32 offset, length in bytes) count
  (func $zero (param $d i32) (param $n i32) (param $first i32)
    (local $img i32) (local $base i32) (local $e i32) (local $end i32)
    (local.set $end (i32.add (i32.load offset={zero.table} (local.get $d)) (i32.shl (i32.load offset={zero.count} (local.get $d)) (i32.const 3))))
    (local.set $n (i32.add (local.get $first) (local.get $n)))
    (local.set $img (local.get $first))
    (block $allDone
      (loop $images
        (br_if $allDone (i32.ge_u (local.get $img) (local.get $n)))
        (local.set $base (i32.add (i32.load offset={zero.base} (local.get $d)) (i32.mul (local.get $img) (i32.load offset={zero.imgStride} (local.get $d)))))
        (local.set $e (i32.load offset={zero.table} (local.get $d)))
        (block $done
          (loop $ranges
            (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
            (memory.fill (i32.add (local.get $base) (i32.load (local.get $e))) (i32.const 0) (i32.load offset=4 (local.get $e)))
            (local.set $e (i32.add (local.get $e) (i32.const 8)))
            (br $ranges)))
        (local.set $img (i32.add (local.get $img) (i32.const 1)))
        (br $images))))

  ;; =============================================================================================
  ;; op 9: a barrier between threads sharing the memory: returns once all `threads` have reached
  ;; it (or a thread has failed). Spins a while, then sleeps in memory.atomic.wait32, a
  ;; millisecond at a time. How long it spins adapts (the state's fourth word): twice as long
  ;; after a wait that spinning ended, a quarter as long after one that had to sleep, between
  ;; 20,000 rounds (about 17 us once optimized) and spinMax. A wake from the sleep takes tens of
  ;; microseconds, on the critical path of the next step; but spins cost more than the wakes they
  ;; save when the machine has other work, V8's background compiler included: at 1,000,000 rounds
  ;; (about 1 ms) a VGG-shaped net's team calls took 30-50 ms instead of 5-15 on a busy 2-vCPU
  ;; machine, and a fixed 200,000 made them 1.8x slower than 20,000 beside one busy process.
  ;; Adapting up to 200,000, against a fixed 20,000, in one process in turns: 8-10% faster team
  ;; calls on a quiet machine (VGG-nagadomi shape at batch 1; ResNet-18 1%), 1% beside one busy
  ;; process, 16% beside two. A thread that has slept
  ;; `timeout` milliseconds at one barrier marks the call failed (2: another thread stopped
  ;; answering, say a worker that died) and releases the others, instead of waiting for ever.
  ;; Descriptor (descriptors.ts): state (i32 arrived, i32 generation, i32 failed: 0, 1 a trap, 2 a
  ;; timeout, i32 rounds to spin) threads timeout (ms) spinMax
  (func $barrier (param $d i32)
    (local $a i32) (local $gen i32) (local $spin i32) (local $slept i32) (local $limit i32)
    (local.set $a (i32.load offset={barrier.state} (local.get $d)))
    (local.set $gen (i32.atomic.load offset=4 (local.get $a)))
    (if (i32.eq (i32.atomic.rmw.add (local.get $a) (i32.const 1)) (i32.sub (i32.load offset={barrier.threads} (local.get $d)) (i32.const 1)))
      (then
        ;; The last to arrive opens the next generation.
        (i32.atomic.store (local.get $a) (i32.const 0))
        (i32.atomic.store offset=4 (local.get $a) (i32.add (local.get $gen) (i32.const 1)))
        (drop (memory.atomic.notify offset=4 (local.get $a) (i32.const -1)))
        (return)))
    ;; Rounds to spin: the state's fourth word, kept between 20,000 and spinMax.
    (local.set $limit (i32.atomic.load offset=12 (local.get $a)))
    (if (i32.lt_u (local.get $limit) (i32.const 20000)) (then (local.set $limit (i32.const 20000))))
    (if (i32.gt_u (local.get $limit) (i32.load offset={barrier.spinMax} (local.get $d))) (then (local.set $limit (i32.load offset={barrier.spinMax} (local.get $d)))))
    (loop $wait
      (if (i32.and (i32.eq (i32.atomic.load offset=4 (local.get $a)) (local.get $gen)) (i32.eqz (i32.atomic.load offset=8 (local.get $a))))
        (then
          (local.set $spin (i32.add (local.get $spin) (i32.const 1)))
          (if (i32.gt_u (local.get $spin) (local.get $limit))
            (then
              ;; Spinning did not pay: a quarter as long next time.
              (if (i32.eq (local.get $spin) (i32.add (local.get $limit) (i32.const 1)))
                (then (i32.atomic.store offset=12 (local.get $a) (i32.shr_u (local.get $limit) (i32.const 2)))))
              (if (i32.eq (memory.atomic.wait32 offset=4 (local.get $a) (local.get $gen) (i64.const 1000000)) (i32.const 2))
                (then
                  (local.set $slept (i32.add (local.get $slept) (i32.const 1)))
                  (if (i32.ge_u (local.get $slept) (i32.load offset={barrier.timeout} (local.get $d)))
                    (then
                      (i32.atomic.store offset=8 (local.get $a) (i32.const 2))
                      (drop (memory.atomic.notify offset=4 (local.get $a) (i32.const -1)))
                      (return)))))))
          (br $wait))
        (else
          ;; Released while spinning: twice as long next time.
          (if (i32.le_u (local.get $spin) (local.get $limit))
            (then (i32.atomic.store offset=12 (local.get $a) (i32.shl (local.get $limit) (i32.const 1)))))))))
)
