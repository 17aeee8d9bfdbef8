  ;; ---- src/wasm/lib/conv.wat (shared: runtime.wat and kernels.wat include it) ----
  ;; Direct convolution's register blocks: 4 output pixels (or 1) x 8 output channels (or the
  ;; last 4), the products of each pixel's input window with a block of packed weights summed
  ;; in window order. They only accumulate: the caller chooses the pixels (any four:
  ;; consecutive in a row or across rows), adds bias and activation and stores. Returned as
  ;; vectors: a0 a2 a4 a6 hold channels 0-3 of pixels 0-3, a1 a3 a5 a7 channels 4-7 (when
  ;; wide; else init1 or zeros). Addresses are in bytes. The window is read one of two ways:
  ;; - runs ($runs4x8): entries r of a table (tab, tab + tabStep, ... < tabEnd), each a run of
  ;;   Lb bytes per pixel: pixel i's run at p_i + the entry's i32 (perPixel 0: one for all 4
  ;;   pixels) or its i-th i32 (perPixel 1: 4 per entry). The runtime's window rows (kw pixels
  ;;   x C channels, contiguous in NHWC: p_i the window's origin, one offset per row) and the
  ;;   training kernels' taps (C channels: p_i 0, the 4 pixels' tap addresses per entry, a
  ;;   zero row where the tap is padding). Weights [run][L][8] (or [4]); no offset to read
  ;;   per multiply, each pixel's pointer walks its run.
  ;;   The sums start from init0 (channels 0-3) and init1 (4-7): 0, or the training's bias.
  ;; - taps ($taps4x8): the table (k .. kend) holds one byte offset per window entry; weights
  ;;   [entry][8]; the sums start from 0.
  ;; 4 pixels x 8 channels is 8 accumulators, the most V8 keeps in registers with the two
  ;; weight vectors and the splat (XNNPACK's 4x8 loadsplat micro-kernels do the same); one float
  ;; a step, which V8 unrolls itself (unrolled here, it hoisted a step's loads and spilled).

  (func $runs4x8 (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32)
    (param $tab i32) (param $tabEnd i32) (param $tabStep i32) (param $perPixel i32)
    (param $Lb i32) (param $wp i32) (param $wide i32) (param $init0 v128) (param $init1 v128)
    (result v128 v128 v128 v128 v128 v128 v128 v128)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $end i32)
    (local $x v128) (local $w0 v128) (local $w1 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $a0 (local.get $init0))
    (local.set $a2 (local.get $init0))
    (local.set $a4 (local.get $init0))
    (local.set $a6 (local.get $init0))
    (local.set $a1 (local.get $init1))
    (local.set $a3 (local.get $init1))
    (local.set $a5 (local.get $init1))
    (local.set $a7 (local.get $init1))
    (if (local.get $wide)
      (then
        (loop $rows8
          (local.set $q0 (i32.add (local.get $p0) (i32.load (local.get $tab))))
          (if (local.get $perPixel)
            (then
              (local.set $q1 (i32.add (local.get $p1) (i32.load offset=4 (local.get $tab))))
              (local.set $q2 (i32.add (local.get $p2) (i32.load offset=8 (local.get $tab))))
              (local.set $q3 (i32.add (local.get $p3) (i32.load offset=12 (local.get $tab)))))
            (else
              (local.set $q1 (i32.add (local.get $p1) (i32.load (local.get $tab))))
              (local.set $q2 (i32.add (local.get $p2) (i32.load (local.get $tab))))
              (local.set $q3 (i32.add (local.get $p3) (i32.load (local.get $tab))))))
          (local.set $end (i32.add (local.get $q0) (local.get $Lb)))
          (loop $run8
            (local.set $w0 (v128.load offset=0 (local.get $wp)))
            (local.set $w1 (v128.load offset=16 (local.get $wp)))
            (local.set $x (v128.load32_splat (local.get $q0)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (local.get $w0))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (local.get $w1))))
            (local.set $x (v128.load32_splat (local.get $q1)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (local.get $w0))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (local.get $w1))))
            (local.set $x (v128.load32_splat (local.get $q2)))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $x) (local.get $w0))))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $x) (local.get $w1))))
            (local.set $x (v128.load32_splat (local.get $q3)))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $x) (local.get $w0))))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $x) (local.get $w1))))
            (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
            (local.set $q2 (i32.add (local.get $q2) (i32.const 4)))
            (local.set $q3 (i32.add (local.get $q3) (i32.const 4)))
            (br_if $run8 (i32.lt_u (local.get $q0) (local.get $end))))
          (local.set $tab (i32.add (local.get $tab) (local.get $tabStep)))
          (br_if $rows8 (i32.lt_u (local.get $tab) (local.get $tabEnd)))))
      (else
        (loop $rows4
          (local.set $q0 (i32.add (local.get $p0) (i32.load (local.get $tab))))
          (if (local.get $perPixel)
            (then
              (local.set $q1 (i32.add (local.get $p1) (i32.load offset=4 (local.get $tab))))
              (local.set $q2 (i32.add (local.get $p2) (i32.load offset=8 (local.get $tab))))
              (local.set $q3 (i32.add (local.get $p3) (i32.load offset=12 (local.get $tab)))))
            (else
              (local.set $q1 (i32.add (local.get $p1) (i32.load (local.get $tab))))
              (local.set $q2 (i32.add (local.get $p2) (i32.load (local.get $tab))))
              (local.set $q3 (i32.add (local.get $p3) (i32.load (local.get $tab))))))
          (local.set $end (i32.add (local.get $q0) (local.get $Lb)))
          (loop $run4
            (local.set $w0 (v128.load (local.get $wp)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $q0)) (local.get $w0))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load32_splat (local.get $q1)) (local.get $w0))))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (v128.load32_splat (local.get $q2)) (local.get $w0))))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (v128.load32_splat (local.get $q3)) (local.get $w0))))
            (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
            (local.set $q2 (i32.add (local.get $q2) (i32.const 4)))
            (local.set $q3 (i32.add (local.get $q3) (i32.const 4)))
            (br_if $run4 (i32.lt_u (local.get $q0) (local.get $end))))
          (local.set $tab (i32.add (local.get $tab) (local.get $tabStep)))
          (br_if $rows4 (i32.lt_u (local.get $tab) (local.get $tabEnd))))))
    (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7))

  (func $taps4x8 (param $p0 i32) (param $p1 i32) (param $p2 i32) (param $p3 i32) (param $k i32) (param $kend i32)
    (param $wp i32) (param $wide i32)
    (result v128 v128 v128 v128 v128 v128 v128 v128)
    (local $o i32) (local $x v128) (local $w0 v128) (local $w1 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (if (local.get $wide)
      (then
        (loop $ks
          (local.set $o (i32.load (local.get $k)))
          (local.set $w0 (v128.load offset=0 (local.get $wp)))
          (local.set $w1 (v128.load offset=16 (local.get $wp)))
          (local.set $x (v128.load32_splat (i32.add (local.get $p0) (local.get $o))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat (i32.add (local.get $p1) (local.get $o))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat (i32.add (local.get $p2) (local.get $o))))
          (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $x (v128.load32_splat (i32.add (local.get $p3) (local.get $o))))
          (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $x) (local.get $w0))))
          (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $x) (local.get $w1))))
          (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (br_if $ks (i32.lt_u (local.get $k) (local.get $kend)))))
      (else
        (loop $ks4
          (local.set $o (i32.load (local.get $k)))
          (local.set $w0 (v128.load (local.get $wp)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (i32.add (local.get $p0) (local.get $o))) (local.get $w0))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load32_splat (i32.add (local.get $p1) (local.get $o))) (local.get $w0))))
          (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (v128.load32_splat (i32.add (local.get $p2) (local.get $o))) (local.get $w0))))
          (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (v128.load32_splat (i32.add (local.get $p3) (local.get $o))) (local.get $w0))))
          (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (br_if $ks4 (i32.lt_u (local.get $k) (local.get $kend))))))
    (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7))

  ;; One pixel x one block of channels (a0: channels 0-3, a1: 4-7): runs when Lb > 0 (table
  ;; tab .. tabEnd), else taps (table tab .. tabEnd of byte offsets).
  (func $window1x8 (param $p i32) (param $tab i32) (param $tabEnd i32) (param $Lb i32) (param $wp i32) (param $wide i32)
    (result v128 v128)
    (local $q i32) (local $end i32) (local $x v128) (local $step i32) (local $a0 v128) (local $a1 v128)
    (local.set $step (select (i32.const 32) (i32.const 16) (local.get $wide)))
    (if (local.get $Lb)
      (then
        (loop $rows
          (local.set $q (i32.add (local.get $p) (i32.load (local.get $tab))))
          (local.set $end (i32.add (local.get $q) (local.get $Lb)))
          (loop $run
            (local.set $x (v128.load32_splat (local.get $q)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load offset=0 (local.get $wp)))))
            (if (local.get $wide)
              (then (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $wp)))))))
            (local.set $wp (i32.add (local.get $wp) (local.get $step)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br_if $run (i32.lt_u (local.get $q) (local.get $end))))
          (local.set $tab (i32.add (local.get $tab) (i32.const 4)))
          (br_if $rows (i32.lt_u (local.get $tab) (local.get $tabEnd)))))
      (else
        (loop $ks
          (local.set $x (v128.load32_splat (i32.add (local.get $p) (i32.load (local.get $tab)))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load offset=0 (local.get $wp)))))
          (if (local.get $wide)
            (then (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $wp)))))))
          (local.set $wp (i32.add (local.get $wp) (local.get $step)))
          (local.set $tab (i32.add (local.get $tab) (i32.const 4)))
          (br_if $ks (i32.lt_u (local.get $tab) (local.get $tabEnd))))))
    (local.get $a0) (local.get $a1))
