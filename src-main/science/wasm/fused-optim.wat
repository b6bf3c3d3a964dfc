;; The fused optimiser step of src-main/science/fused-optim.ts in WebAssembly SIMD (f32x4), run on the tfjs wasm
;; backend's own memory (imported; the threaded build's memory is shared, so scripts/build-wasm.js also emits a
;; variant with the import line below declared `(memory 1 65536 shared)`). Compiled by scripts/build-wasm.js into
;; fused-optim-wasm.ts (embedded bytes); test/compute/fused-optim.test.ts checks that they are this file's.
;;
;; Every pointer is a byte offset into that memory, every count n a multiple of 4 (the caller does the last n % 4
;; elements in JS with the same float32 arithmetic). Each f32x4 operation rounds like tfjs's float32 kernels, in
;; tfjs's order, so the results equal tf.train.sgd / momentum / adam bit for bit. $wd = 0 leaves the gradient as
;; it is (as the trainer does: g + 0 w would turn -0 into +0).
(module
  (import "env" "memory" (memory 1)) ;; @memory

  ;; 1 when all n float32 at $p are finite, else 0: x * 0 is 0 for finite x and NaN for NaN / Infinity
  (func (export "allFinite") (param $p i32) (param $n i32) (result i32)
    (local $end i32) (local $a v128) (local $b v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $p)) (v128.const f32x4 0 0 0 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (i32x4.all_true (f32x4.eq (local.get $a) (local.get $a))))

  ;; g + wd w when wd != 0 (tfjs: add(g, mul(w, wd)))
  (func $decayed (param $g v128) (param $w v128) (param $vwd v128) (param $hasWd i32) (result v128)
    (if (result v128) (local.get $hasWd)
      (then (f32x4.add (local.get $g) (f32x4.mul (local.get $w) (local.get $vwd))))
      (else (local.get $g))))

  ;; tf.train.sgd: out = c g + w, c = -lr
  (func (export "sgd") (param $w i32) (param $g i32) (param $out i32) (param $n i32) (param $c f32) (param $wd f32)
    (local $i i32) (local $end i32) (local $vc v128) (local $vwd v128) (local $hasWd i32) (local $wv v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vc (f32x4.splat (local.get $c)))
    (local.set $vwd (f32x4.splat (local.get $wd)))
    (local.set $hasWd (f32.ne (local.get $wd) (f32.const 0)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $i))))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add
          (f32x4.mul (local.get $vc) (call $decayed (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $wv) (local.get $vwd) (local.get $hasWd)))
          (local.get $wv)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  ;; tf.train.momentum: a = m a + g (in place); out = c a + w, or with Nesterov c (g + a m) + w
  (func (export "momentum") (param $w i32) (param $g i32) (param $acc i32) (param $out i32) (param $n i32)
    (param $c f32) (param $wd f32) (param $m f32) (param $nesterov i32)
    (local $i i32) (local $end i32) (local $vc v128) (local $vwd v128) (local $vm v128) (local $hasWd i32)
    (local $wv v128) (local $gv v128) (local $av v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vc (f32x4.splat (local.get $c)))
    (local.set $vwd (f32x4.splat (local.get $wd)))
    (local.set $vm (f32x4.splat (local.get $m)))
    (local.set $hasWd (f32.ne (local.get $wd) (f32.const 0)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $i))))
      (local.set $gv (call $decayed (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $wv) (local.get $vwd) (local.get $hasWd)))
      (local.set $av (f32x4.add (f32x4.mul (local.get $vm) (v128.load (i32.add (local.get $acc) (local.get $i)))) (local.get $gv)))
      (v128.store (i32.add (local.get $acc) (local.get $i)) (local.get $av))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add
          (f32x4.mul (local.get $vc)
            (if (result v128) (local.get $nesterov)
              (then (f32x4.add (local.get $gv) (f32x4.mul (local.get $av) (local.get $vm))))
              (else (local.get $av))))
          (local.get $wv)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  ;; tf.train.adam: m = b1 m + c1 g, v = b2 v + c2 g^2 (in place; c1 = 1 - b1, c2 = 1 - b2 in float32);
  ;; out = ((m / d1) / (sqrt(v / d2) + eps)) c + w with d1 = 1 - accBeta1, d2 = 1 - accBeta2
  (func (export "adam") (param $w i32) (param $g i32) (param $mp i32) (param $vp i32) (param $out i32) (param $n i32)
    (param $c f32) (param $wd f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $d1 f32) (param $d2 f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $hasWd i32)
    (local $vc v128) (local $vwd v128) (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128)
    (local $vd1 v128) (local $vd2 v128) (local $veps v128)
    (local $wv v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $hasWd (f32.ne (local.get $wd) (f32.const 0)))
    (local.set $vc (f32x4.splat (local.get $c)))
    (local.set $vwd (f32x4.splat (local.get $wd)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vd1 (f32x4.splat (local.get $d1)))
    (local.set $vd2 (f32x4.splat (local.get $d2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $i))))
      (local.set $gv (call $decayed (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $wv) (local.get $vwd) (local.get $hasWd)))
      (local.set $mv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $mp) (local.get $i))) (local.get $vb1)) (f32x4.mul (local.get $gv) (local.get $vc1))))
      (local.set $vv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $vp) (local.get $i))) (local.get $vb2))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vc2))))
      (v128.store (i32.add (local.get $mp) (local.get $i)) (local.get $mv))
      (v128.store (i32.add (local.get $vp) (local.get $i)) (local.get $vv))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add
          (f32x4.mul
            (f32x4.div (f32x4.div (local.get $mv) (local.get $vd1))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $vd2))) (local.get $veps)))
            (local.get $vc))
          (local.get $wv)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))
)
