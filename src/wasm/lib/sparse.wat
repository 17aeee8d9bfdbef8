  ;; ---- src/wasm/lib/sparse.wat (shared: runtime.wat and kernels.wat include it) ----
  ;; Sparse matrices, in the one encoding both modules read (written by src/wasm/sparse.ts):
  ;; i32 start[rows + 1] (byte offsets of each row's first entry, from the matrix's address),
  ;; then entries (i32 index, f32 value). Vectors are 4 lanes of anything; addresses and strides
  ;; are in bytes, so each caller passes its own layout.

  ;; dst[o * dstStep] = sum over the entries (j, w) of row o of S of w * src[j * srcStep], for
  ;; o < rows (summed in entry order, from 0): one line of a transform with any matrix S.
  (func $applyRows (param $dst i32) (param $dstStep i32) (param $src i32) (param $srcStep i32) (param $mat i32) (param $rows i32)
    (local $o i32) (local $e i32) (local $end i32) (local $acc v128)
    (local.set $o (i32.const 0))
    (loop $row
      (local.set $e (i32.add (local.get $mat) (i32.load (i32.add (local.get $mat) (i32.shl (local.get $o) (i32.const 2))))))
      (local.set $end (i32.add (local.get $mat) (i32.load offset=4 (i32.add (local.get $mat) (i32.shl (local.get $o) (i32.const 2))))))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (block $done
        (loop $entry
          (br_if $done (i32.ge_u (local.get $e) (local.get $end)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load32_splat offset=4 (local.get $e))
              (v128.load (i32.add (local.get $src) (i32.mul (i32.load (local.get $e)) (local.get $srcStep)))))))
          (local.set $e (i32.add (local.get $e) (i32.const 8)))
          (br $entry)))
      (v128.store (i32.add (local.get $dst) (i32.mul (local.get $o) (local.get $dstStep))) (local.get $acc))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $o) (local.get $rows)))))

  ;; Y = S X S^T for one tile, S sparse (rows x cols): X[a][b] (cols x cols) at
  ;; src + a * srcRow + b * srcCol, Y[i][j] (rows x rows) stored at dst + i * dstRow + j * dstCol;
  ;; E: rows * cols vectors of scratch (S X, rows of cols * 16 bytes), apart from src and dst.
  ;; With S = B^T the input transform, A^T the output one; B and A their adjoints.
  (func $transformTile (param $src i32) (param $srcRow i32) (param $srcCol i32) (param $dst i32) (param $dstRow i32) (param $dstCol i32)
    (param $E i32) (param $mat i32) (param $rows i32) (param $cols i32)
    (local $k i32) (local $eRow i32)
    (local.set $eRow (i32.shl (local.get $cols) (i32.const 4)))
    ;; columns: E[i][b] = sum_a S[i][a] X[a][b]
    (local.set $k (i32.const 0))
    (loop $columns
      (call $applyRows (i32.add (local.get $E) (i32.shl (local.get $k) (i32.const 4))) (local.get $eRow)
        (i32.add (local.get $src) (i32.mul (local.get $k) (local.get $srcCol))) (local.get $srcRow) (local.get $mat) (local.get $rows))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $columns (i32.lt_u (local.get $k) (local.get $cols))))
    ;; rows: Y[i][j] = sum_b S[j][b] E[i][b]
    (local.set $k (i32.const 0))
    (loop $rowsOfE
      (call $applyRows (i32.add (local.get $dst) (i32.mul (local.get $k) (local.get $dstRow))) (local.get $dstCol)
        (i32.add (local.get $E) (i32.mul (local.get $k) (local.get $eRow))) (i32.const 16) (local.get $mat) (local.get $rows))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $rowsOfE (i32.lt_u (local.get $k) (local.get $rows)))))
