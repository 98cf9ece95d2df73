"""Rig presets on a grounded motion: Unreal's ``root`` bone carries the root motion on the floor."""

from __future__ import annotations

import numpy as np
import pytest
from test_grounding_exports import _accessor

import mocap
from exporters.gltf import build_gltf
from mocap.body import SmplBody

pytestmark = pytest.mark.slow  # grounds a 4 s two-person scene


@pytest.fixture(scope="module")
def grounded(walk_scene):
    return mocap.ground(walk_scene.motion, foot_lock=False)


def test_ue5_root_bone_follows_the_pelvis_on_the_floor(grounded, body_data):
    gltf, blob = build_gltf(grounded, rig="ue5")
    for seq in grounded.people:
        person = next(n for n in gltf.nodes if n.name == f"person_{seq.track_id}")
        root = person.children[0]
        assert gltf.nodes[root].name == "root"
        moves = {
            (ch.target.node, ch.target.path): gltf.animations[0].samplers[ch.sampler].output
            for ch in gltf.animations[0].channels
        }
        ground = _accessor(gltf, blob, moves[(root, "translation")])
        pelvis_rel = _accessor(gltf, blob, moves[(root + 1, "translation")])
        pelvis = SmplBody(body_data).rest_joints(seq.betas)[0] + seq.world.transl
        np.testing.assert_allclose(ground[:, 1], 0.0)  # on the floor y = 0
        np.testing.assert_allclose(ground[:, [0, 2]], pelvis[:, [0, 2]], atol=1e-5)
        np.testing.assert_allclose(ground + pelvis_rel, pelvis, atol=1e-5)
        assert 0.7 < pelvis_rel[:, 1].mean() < 1.0  # the pelvis stands above the root
