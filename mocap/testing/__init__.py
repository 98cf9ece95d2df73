"""Test and sample assets, not used by the product at run time.

* :mod:`mocap.testing.synthetic` — a synthetic SMPL-format body model (SMPL's topology, made-up
  shape) and writers of SMPL-format model files (:mod:`mocap.testing.smpl_files`);
* :mod:`mocap.testing.demo_motion` — the hand-made 3-person demo motion of ``samples/``;
* :mod:`mocap.testing.preview_scene` — people walking before a camera, for the preview renderer
  and report tests and benchmarks.
* :mod:`mocap.testing.grounding_scenes` — people walking, running and jumping on a known floor
  seen by a known camera, and CLIFF-like corruption (grounding tests and benchmark).

Import the submodules directly; this package imports nothing heavy.
"""
