"""The Unity Humanoid and Unreal rules hold on the files we write, and catch what breaks them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from export_helpers import validate_glb

import exporters
from exporters.rigs.checks import (
    UNITY_REQUIRED,
    skeleton_from_glb,
    unity_humanoid_problems,
    unreal_mannequin_problems,
)


@pytest.fixture(scope="module")
def glbs(motion, tmp_path_factory):
    work = tmp_path_factory.mktemp("rigchecks")
    return {r: exporters.write(motion, work / f"{r}.glb", rig=r) for r in exporters.rigs.PRESETS}


def test_unity_preset_passes_the_humanoid_rules(glbs):
    for tid in (1, 4, 7):
        sk = skeleton_from_glb(glbs["unity"], f"person_{tid}")
        assert set(UNITY_REQUIRED) <= set(sk.names)
        assert unity_humanoid_problems(sk) == []


def test_ue5_preset_passes_the_mannequin_rules(glbs):
    sk = skeleton_from_glb(glbs["ue5"], "person_4")
    assert sk.names[0] == "root" and sk.parents[sk.index("pelvis")] == 0
    assert unreal_mannequin_problems(sk) == []


def test_other_skeletons_fail_the_rules(glbs):
    smpl = skeleton_from_glb(glbs["smpl"], "person_1")
    assert len(unity_humanoid_problems(smpl)) >= len(UNITY_REQUIRED)
    mixamo = skeleton_from_glb(glbs["mixamo"], "person_1")
    assert any("'root'" in p for p in unreal_mannequin_problems(mixamo))
    # the UE5 skeleton is in A-pose: Unity's T-pose rule sees the arms off by ~45 degrees
    ue5 = skeleton_from_glb(glbs["ue5"], "person_1")
    renamed = dataclasses.replace(
        ue5,
        names=tuple(
            {"upperarm_l": "LeftUpperArm", "lowerarm_l": "LeftLowerArm"}.get(n, n)
            for n in ue5.names
        ),
    )
    assert any("left upper arm" in p and "deg off" in p for p in unity_humanoid_problems(renamed))


def test_checks_catch_a_broken_hierarchy_and_pose(glbs):
    sk = skeleton_from_glb(glbs["unity"], "person_1")
    parents = list(sk.parents)
    parents[sk.index("LeftLowerArm")] = sk.index("Hips")  # forearm hanging from the hips
    broken = dataclasses.replace(sk, parents=tuple(parents))
    assert "'LeftLowerArm' is not below 'LeftUpperArm'" in unity_humanoid_problems(broken)
    heads = sk.heads.copy()
    heads[sk.index("LeftLowerLeg")] += [0.0, 0.0, 0.1]  # knee forward: leg not straight
    bent = dataclasses.replace(sk, heads=heads)
    assert any(p.startswith("leg LeftUpperLeg") for p in unity_humanoid_problems(bent))
    ue = skeleton_from_glb(glbs["ue5"], "person_1")
    axes = ue.axes.copy()
    axes[ue.index("calf_l")] = axes[ue.index("calf_l")][:, [1, 0, 2]] * [1, 1, -1]
    assert any("calf_l's local axis X" in p for p in unreal_mannequin_problems(
        dataclasses.replace(ue, axes=axes)
    ))  # fmt: skip
    assert np.allclose(ue.heads[0], 0.0)


@pytest.mark.validator
@pytest.mark.parametrize("rig", ["mixamo", "ue5", "unity", "rigify"])
def test_validator_reports_no_issues_for_rig_presets(glbs, rig):
    report = validate_glb(glbs[rig])
    issues = report["issues"]
    assert issues["numErrors"] == 0 and issues["numWarnings"] == 0, issues["messages"][:5]
