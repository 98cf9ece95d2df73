"""The CLIFF pseudo-ground-truth annotator (docs/cliff_annotator.md; our choices in
docs/annotator.md): 2D keypoints + CLIFF's prediction -> SMPL labels in the full-image camera."""
