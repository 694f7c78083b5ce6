#!/usr/bin/python3
"""Generator of resize.pt (our own code): what PyTorch's F.interpolate gives for the two resizes GROVE's train.py
makes before training (reference/training.md section 1.2 step 6), on small random tensors.

    /usr/bin/python3 tests/data/arch/make_resize_fixture.py tests/data/arch

Needs Debian 12's python3-torch (1.13). The reshapes mirror train.py's resize_abs_pos_embedding and
resize_rel_pos_embedding: the absolute embedding (1, 64, 64, C) as NCHW, bicubic to 32 x 32, align_corners=False;
a relative table (127, C) as (1, C, 127, 1), bicubic to (63, 1), align_corners=True.
"""
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(0)
pos = torch.randn(1, 64, 64, 5)
rel = torch.randn(127, 6)
pos_out = F.interpolate(pos.permute(0, 3, 1, 2), size=(32, 32), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
rel_out = F.interpolate(rel.unsqueeze(0).unsqueeze(0).permute(0, 3, 2, 1), size=(63, 1), mode="bicubic",
                        align_corners=True).permute(0, 3, 2, 1).squeeze(0).squeeze(0)
# An upscale too, so both directions of the kernel are covered.
up = torch.randn(1, 7, 9, 3)
up_out = F.interpolate(up.permute(0, 3, 1, 2), size=(12, 20), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
out = {"pos_in": pos, "pos_out": pos_out.contiguous(), "rel_in": rel, "rel_out": rel_out.contiguous(),
       "up_in": up, "up_out": up_out.contiguous()}
torch.save(out, sys.argv[1] + "/resize.pt")
