  ;; ---- Partial vectors (lib/lanes.wat): the last 1 to 3 floats of a row, where a whole vector
  ;; would write past its end; neither function touches a float past the `lanes` it is given. ----

  ;; Stores lanes 0 .. lanes-1 (1..4) of v at p.
  (func $storeLanes (param $p i32) (param $v v128) (param $lanes i32)
    (if (i32.ge_s (local.get $lanes) (i32.const 4)) (then (v128.store (local.get $p) (local.get $v)) (return)))
    (f32.store offset=0 (local.get $p) (f32x4.extract_lane 0 (local.get $v)))
    (if (i32.ge_s (local.get $lanes) (i32.const 2)) (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.ge_s (local.get $lanes) (i32.const 3)) (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v))))))

  ;; Adds v's lanes 0 .. lanes-1 (1..4) to the floats at p.
  (func $addLanes (param $p i32) (param $v v128) (param $lanes i32)
    (local $x v128)
    (if (i32.ge_s (local.get $lanes) (i32.const 4))
      (then (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $v))) (return)))
    (local.set $x (f32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (f32.load offset=0 (local.get $p))))
    (if (i32.ge_s (local.get $lanes) (i32.const 2)) (then (local.set $x (f32x4.replace_lane 1 (local.get $x) (f32.load offset=4 (local.get $p))))))
    (if (i32.ge_s (local.get $lanes) (i32.const 3)) (then (local.set $x (f32x4.replace_lane 2 (local.get $x) (f32.load offset=8 (local.get $p))))))
    (call $storeLanes (local.get $p) (f32x4.add (local.get $x) (local.get $v)) (local.get $lanes)))
