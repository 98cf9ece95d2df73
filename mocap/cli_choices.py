"""The fixed choices of the ``cliffmocap`` options (one enum per option with a closed set)."""

from __future__ import annotations

import enum


class SpaceChoice(enum.StrEnum):
    world = "world"
    camera = "camera"


class OnOff(enum.StrEnum):
    on = "on"
    off = "off"


class Smooth(enum.StrEnum):
    off = "off"
    light = "light"
    medium = "medium"
    heavy = "heavy"


class RigChoice(enum.StrEnum):
    smpl = "smpl"
    mixamo = "mixamo"
    ue5 = "ue5"
    unity = "unity"
    rigify = "rigify"


class SpanChoice(enum.StrEnum):
    track = "track"
    spans = "spans"


class Engine(enum.StrEnum):
    local = "local"
    ray = "ray"


class Precision(enum.StrEnum):
    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


class ImageFolders(enum.StrEnum):
    auto = "auto"
    sequence = "sequence"
    photos = "photos"


class FitMode(enum.StrEnum):
    network = "network"
    params = "params"


class DecoderChoice(enum.StrEnum):
    auto = "auto"
    decord = "decord"
    pyav = "pyav"
