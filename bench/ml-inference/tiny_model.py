"""A small stand-in for the reference model, in a local torch hub: shared by the bench and the handler tests.

Not a test file and not part of the Lambda asset (it lives outside the handler directory):
the bench imports it directly, the handler tests through their ``test_support`` module.

``make_local_hub(torch_home)`` writes a hub repository with the reference's entry point
(``nicolalandro/ntsnet-cub200``, ``ntsnet``, same arguments, same 7-tuple answer,
``bird_classes``) and its trained weights into the hub's checkpoint cache, so
``torch.hub.load(..., source='local', pretrained=True)`` works without any network. A red
image scores highest on ``106.Horned_Puffin``, a blue one on ``053.Western_Grebe``.
torch and Pillow are imported only when a function needs them.

``TINY_MODEL_LOAD_SECONDS`` (environment, default 0) makes the entry point sleep that long
before it answers: a slow model load for the tests of the init budget (``lambda_harness``).
"""

import io
import os
import textwrap

HUBCONF = textwrap.dedent('''
    """A stand-in for nicolalandro/ntsnet-cub200: same entry point, arguments and return shape."""
    dependencies = ["torch"]

    import os
    import time

    import torch
    from torch import nn

    CHECKPOINT_URL = "https://models.invalid/ntsnet-tiny.pth"
    BIRD_CLASSES = [f"{i:03d}.Bird_{i}" for i in range(1, 201)]
    BIRD_CLASSES[105] = "106.Horned_Puffin"
    BIRD_CLASSES[52] = "053.Western_Grebe"


    class TinyNts(nn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(3, num_classes)

        def forward(self, x):
            logits = self.fc(self.pool(x).flatten(1))
            # NTS-Net answers (top_n_coordinates, concat_out, raw_logits, concat_logits, part_logits, top_n_index, top_n_prob)
            return None, logits, logits, logits, logits, None, None


    def ntsnet(pretrained=False, topN=6, device="cpu", num_classes=200):
        time.sleep(float(os.environ.get("TINY_MODEL_LOAD_SECONDS", "0")))  # a slow load, for the tests of the init budget
        model = TinyNts(num_classes)
        model.bird_classes = BIRD_CLASSES
        if pretrained:
            model.load_state_dict(torch.hub.load_state_dict_from_url(CHECKPOINT_URL, map_location=device, progress=False))
        return model.to(device)
''')


def make_local_hub(torch_home):
    """Write the hub repository and its trained weights where torch.hub would cache them."""
    import torch  # pylint: disable=import-outside-toplevel

    hub = os.path.join(torch_home, "hub")
    repo = os.path.join(hub, "nicolalandro_ntsnet-cub200_master")
    os.makedirs(repo)
    with open(os.path.join(repo, "hubconf.py"), "w", encoding="utf-8") as f:
        f.write(HUBCONF)
    # Weights: a red image scores highest on class 106, a blue one on class 053.
    fc = torch.nn.Linear(3, 200)
    with torch.no_grad():
        fc.weight.zero_()
        fc.bias.zero_()
        fc.weight[105, 0] = 1.0
        fc.weight[52, 2] = 1.0
    os.makedirs(os.path.join(hub, "checkpoints"))
    torch.save({"fc.weight": fc.weight.detach().clone(), "fc.bias": fc.bias.detach().clone()}, os.path.join(hub, "checkpoints", "ntsnet-tiny.pth"))


def image_bytes(color, size=(64, 48), image_format="PNG"):
    """A one-colour image encoded in ``image_format`` (any format Pillow writes)."""
    from PIL import Image  # pylint: disable=import-outside-toplevel

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    return buffer.getvalue()


def png(color, size=(64, 48)):
    return image_bytes(color, size, "PNG")
