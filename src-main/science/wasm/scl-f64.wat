;; The O(m^2 d) part of the float64 SCL loss and gradient (src-main/science/scl-f64.ts), in WebAssembly SIMD
;; (f64x2). Compiled by scripts/build-wasm.js into scl-f64-wasm.ts (embedded bytes); test/science/scl-f64.test.ts
;; checks that the embedded bytes are this file's.
;;
;; Layout (byte offsets chosen by the caller, 16-aligned): X m x dp (rows of the batch, zero-padded to dp, a
;; multiple of 4), E m x m (upper triangle used), den m, f m, G m x dp.
;;
;;   $gram: E[i,l] = exp(inv * X_i.X_l - shift) for l > i;  den[i] += sum_{l != i} E[i,l]  (den zero on entry)
;;   $grad: E[i,l] *= f[i] + f[l] (= P_il + P_li);  G_i += sum_{l != i} E[i,l] X_l  (G zero on entry)
(module
  (memory (export "memory") 1)

  ;; exp on both lanes, for x in [-708, 0] (the caller's shift keeps x there): x = k ln2 + r, |r| <= ln2/2,
  ;; exp(r) by its Taylor polynomial of degree 13 (truncation < 1e-17 relative), times 2^k built from its bits.
  (func $exp2x (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
      (f64x2.mul (local.get $k) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
    (local.set $p (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10)) ;; 1/13!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.08767569878681e-09 2.08767569878681e-09))) ;; 1/12!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.505210838544172e-08 2.505210838544172e-08))) ;; 1/11!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.755731922398589e-07 2.755731922398589e-07))) ;; 1/10!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.7557319223985893e-06 2.7557319223985893e-06))) ;; 1/9!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.48015873015873e-05 2.48015873015873e-05))) ;; 1/8!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.984126984126984e-04 1.984126984126984e-04))) ;; 1/7!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.388888888888889e-03 1.388888888888889e-03))) ;; 1/6!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 8.333333333333333e-03 8.333333333333333e-03))) ;; 1/5!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 4.1666666666666664e-02 4.1666666666666664e-02))) ;; 1/4!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.6666666666666666e-01 1.6666666666666666e-01))) ;; 1/3!
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.5 0.5)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.0 1.0)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.0 1.0)))
    ;; 2^k: (k + 1023) << 52 as the bits of a double (k >= -1021 here, so no subnormals)
    (f64x2.mul (local.get $p)
      (i64x2.shl
        (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (v128.const i64x2 1023 1023))
        (i32.const 52))))

  (func (export "gram") (param $X i32) (param $m i32) (param $dp i32) (param $E i32) (param $den i32) (param $inv f64) (param $shift f64)
    (local $i i32) (local $l i32) (local $t i32) (local $row i32) (local $xi i32) (local $xl0 i32) (local $xl1 i32)
    (local $a0 v128) (local $a1 v128) (local $vi v128) (local $e v128) (local $deni v128) (local $pd i32)
    (local $vinv v128) (local $vshift v128) (local $rowBytes i32) (local $x v128) (local $k v128) (local $r v128) (local $p v128)
    (local.set $vinv (f64x2.splat (local.get $inv)))
    (local.set $vshift (f64x2.splat (local.get $shift)))
    (local.set $rowBytes (i32.shl (local.get $dp) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $iend (loop $iloop
      (br_if $iend (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $xi (i32.add (local.get $X) (i32.mul (local.get $i) (local.get $rowBytes))))
      (local.set $row (i32.add (local.get $E) (i32.shl (i32.mul (local.get $i) (local.get $m)) (i32.const 3))))
      (local.set $deni (v128.const f64x2 0 0))
      (local.set $l (i32.add (local.get $i) (i32.const 1)))
      ;; two columns at a time
      (block $lend (loop $lloop
        (br_if $lend (i32.ge_u (i32.add (local.get $l) (i32.const 1)) (local.get $m)))
        (local.set $xl0 (i32.add (local.get $X) (i32.mul (local.get $l) (local.get $rowBytes))))
        (local.set $xl1 (i32.add (local.get $xl0) (local.get $rowBytes)))
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $a1 (v128.const f64x2 0 0))
        (local.set $t (i32.const 0))
        (block $tend (loop $tloop
          (br_if $tend (i32.ge_u (local.get $t) (local.get $rowBytes)))
          (local.set $vi (v128.load (i32.add (local.get $xi) (local.get $t))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $vi) (v128.load (i32.add (local.get $xl0) (local.get $t))))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $vi) (v128.load (i32.add (local.get $xl1) (local.get $t))))))
          (local.set $vi (v128.load offset=16 (i32.add (local.get $xi) (local.get $t))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $vi) (v128.load offset=16 (i32.add (local.get $xl0) (local.get $t))))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $vi) (v128.load offset=16 (i32.add (local.get $xl1) (local.get $t))))))
          (local.set $t (i32.add (local.get $t) (i32.const 32)))
          (br $tloop)))
        ;; [sum a0, sum a1]
        (local.set $x (f64x2.sub
          (f64x2.mul (local.get $vinv)
            (f64x2.add
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1))))
          (local.get $vshift)))
        ;; $e = exp($x), $exp2x inlined (V8 does not inline wasm calls)
        (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))))
        (local.set $r (f64x2.sub
          (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
          (f64x2.mul (local.get $k) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
        (local.set $p (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10)) ;; 1/13!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.08767569878681e-09 2.08767569878681e-09))) ;; 1/12!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.505210838544172e-08 2.505210838544172e-08))) ;; 1/11!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.755731922398589e-07 2.755731922398589e-07))) ;; 1/10!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.7557319223985893e-06 2.7557319223985893e-06))) ;; 1/9!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.48015873015873e-05 2.48015873015873e-05))) ;; 1/8!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.984126984126984e-04 1.984126984126984e-04))) ;; 1/7!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.388888888888889e-03 1.388888888888889e-03))) ;; 1/6!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 8.333333333333333e-03 8.333333333333333e-03))) ;; 1/5!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 4.1666666666666664e-02 4.1666666666666664e-02))) ;; 1/4!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.6666666666666666e-01 1.6666666666666666e-01))) ;; 1/3!
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.5 0.5)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.0 1.0)))
        (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1.0 1.0)))
        ;; 2^k: (k + 1023) << 52 as the bits of a double (k >= -1021 here, so no subnormals)
        (local.set $e (f64x2.mul (local.get $p)
          (i64x2.shl
            (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (v128.const i64x2 1023 1023))
            (i32.const 52))))
        (v128.store (i32.add (local.get $row) (i32.shl (local.get $l) (i32.const 3))) (local.get $e))
        (local.set $deni (f64x2.add (local.get $deni) (local.get $e)))
        (local.set $pd (i32.add (local.get $den) (i32.shl (local.get $l) (i32.const 3))))
        (v128.store (local.get $pd) (f64x2.add (v128.load (local.get $pd)) (local.get $e)))
        (local.set $l (i32.add (local.get $l) (i32.const 2)))
        (br $lloop)))
      ;; the last column alone
      (if (i32.lt_u (local.get $l) (local.get $m)) (then
        (local.set $xl0 (i32.add (local.get $X) (i32.mul (local.get $l) (local.get $rowBytes))))
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $t (i32.const 0))
        (block $tend1 (loop $tloop1
          (br_if $tend1 (i32.ge_u (local.get $t) (local.get $rowBytes)))
          (local.set $a0 (f64x2.add (local.get $a0)
            (f64x2.mul (v128.load (i32.add (local.get $xi) (local.get $t))) (v128.load (i32.add (local.get $xl0) (local.get $t))))))
          (local.set $t (i32.add (local.get $t) (i32.const 16)))
          (br $tloop1)))
        (local.set $e (call $exp2x (f64x2.sub
          (f64x2.mul (local.get $vinv)
            (f64x2.splat (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0)))))
          (local.get $vshift))))
        (f64.store (i32.add (local.get $row) (i32.shl (local.get $l) (i32.const 3))) (f64x2.extract_lane 0 (local.get $e)))
        (local.set $deni (f64x2.add (local.get $deni) (f64x2.replace_lane 1 (local.get $e) (f64.const 0))))
        (local.set $pd (i32.add (local.get $den) (i32.shl (local.get $l) (i32.const 3))))
        (f64.store (local.get $pd) (f64.add (f64.load (local.get $pd)) (f64x2.extract_lane 0 (local.get $e))))))
      (local.set $pd (i32.add (local.get $den) (i32.shl (local.get $i) (i32.const 3))))
      (f64.store (local.get $pd) (f64.add (f64.load (local.get $pd))
        (f64.add (f64x2.extract_lane 0 (local.get $deni)) (f64x2.extract_lane 1 (local.get $deni)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iloop))))

  (func (export "grad") (param $X i32) (param $m i32) (param $dp i32) (param $E i32) (param $f i32) (param $G i32)
    (local $i i32) (local $l i32) (local $tb i32) (local $row i32) (local $fi f64) (local $rowBytes i32)
    (local $xi0 v128) (local $xi1 v128) (local $g0 v128) (local $g1 v128) (local $v v128)
    (local $xl i32) (local $gl i32) (local $gi i32) (local $pe i32)
    (local.set $rowBytes (i32.shl (local.get $dp) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $iend (loop $iloop
      (br_if $iend (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $row (i32.add (local.get $E) (i32.shl (i32.mul (local.get $i) (local.get $m)) (i32.const 3))))
      (local.set $fi (f64.load (i32.add (local.get $f) (i32.shl (local.get $i) (i32.const 3)))))
      ;; V[i,l] = E[i,l] (f_i + f_l) in place
      (local.set $l (i32.add (local.get $i) (i32.const 1)))
      (block $vend (loop $vloop
        (br_if $vend (i32.ge_u (local.get $l) (local.get $m)))
        (local.set $pe (i32.add (local.get $row) (i32.shl (local.get $l) (i32.const 3))))
        (f64.store (local.get $pe) (f64.mul (f64.load (local.get $pe))
          (f64.add (local.get $fi) (f64.load (i32.add (local.get $f) (i32.shl (local.get $l) (i32.const 3)))))))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $vloop)))
      ;; four coordinates at a time: G_i += V_il X_l (in registers), G_l += V_il X_i
      (local.set $tb (i32.const 0))
      (block $tbend (loop $tbloop
        (br_if $tbend (i32.ge_u (local.get $tb) (local.get $rowBytes)))
        (local.set $gi (i32.add (local.get $G) (i32.add (i32.mul (local.get $i) (local.get $rowBytes)) (local.get $tb))))
        (local.set $xi0 (v128.load (i32.add (local.get $X) (i32.add (i32.mul (local.get $i) (local.get $rowBytes)) (local.get $tb)))))
        (local.set $xi1 (v128.load offset=16 (i32.add (local.get $X) (i32.add (i32.mul (local.get $i) (local.get $rowBytes)) (local.get $tb)))))
        (local.set $g0 (v128.const f64x2 0 0))
        (local.set $g1 (v128.const f64x2 0 0))
        (local.set $l (i32.add (local.get $i) (i32.const 1)))
        (local.set $xl (i32.add (local.get $X) (i32.add (i32.mul (local.get $l) (local.get $rowBytes)) (local.get $tb))))
        (local.set $gl (i32.add (local.get $G) (i32.add (i32.mul (local.get $l) (local.get $rowBytes)) (local.get $tb))))
        (local.set $pe (i32.add (local.get $row) (i32.shl (local.get $l) (i32.const 3))))
        (block $lend (loop $lloop
          (br_if $lend (i32.ge_u (local.get $l) (local.get $m)))
          (local.set $v (v128.load64_splat (local.get $pe)))
          (local.set $g0 (f64x2.add (local.get $g0) (f64x2.mul (local.get $v) (v128.load (local.get $xl)))))
          (local.set $g1 (f64x2.add (local.get $g1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $xl)))))
          (v128.store (local.get $gl) (f64x2.add (v128.load (local.get $gl)) (f64x2.mul (local.get $v) (local.get $xi0))))
          (v128.store offset=16 (local.get $gl) (f64x2.add (v128.load offset=16 (local.get $gl)) (f64x2.mul (local.get $v) (local.get $xi1))))
          (local.set $xl (i32.add (local.get $xl) (local.get $rowBytes)))
          (local.set $gl (i32.add (local.get $gl) (local.get $rowBytes)))
          (local.set $pe (i32.add (local.get $pe) (i32.const 8)))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br $lloop)))
        (v128.store (local.get $gi) (f64x2.add (v128.load (local.get $gi)) (local.get $g0)))
        (v128.store offset=16 (local.get $gi) (f64x2.add (v128.load offset=16 (local.get $gi)) (local.get $g1)))
        (local.set $tb (i32.add (local.get $tb) (i32.const 32)))
        (br $tbloop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iloop))))
)
