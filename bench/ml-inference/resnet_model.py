"""A ResNet-50-class stand-in for the reference model, in a local torch hub, for the bench.

Not a test file and not part of the Lambda asset (it lives outside the handler directory).

``make_resnet_hub(torch_home)`` writes a hub repository shaped like the reference's
(``<TORCH_HOME>/hub/nicolalandro_ntsnet-cub200_master/hubconf.py`` with an ``ntsnet`` entry
point taking ``pretrained``, ``topN``, ``device`` and ``num_classes``) and a checkpoint in the
hub's checkpoint cache (``<TORCH_HOME>/hub/checkpoints/``), so the handler loads it exactly as
it loads the reference: ``torch.hub.load(..., source='local', pretrained=True)``, no network.

The model is torchvision's ResNet-50 (``resnet50(weights=None)``: random weights, built here,
nothing downloaded) with a 200-class head, answering like NTS-Net: a 7-tuple whose
concatenated logits (the 4th item) the handler argmaxes into ``bird_classes``. At 448x448 its
forward pass is the cost of NTS-Net's backbone on the whole image; NTS-Net also runs the
backbone on its 6 part crops (at 224x224), so the real model is slower still. The answers are
meaningless (random weights); the timings and the bytes read are what the bench is after.
"""

import os
import textwrap

CHECKPOINT_NAME = "resnet50_cub200_random.pt"

HUBCONF = textwrap.dedent(f'''
    """A ResNet-50-class stand-in for nicolalandro/ntsnet-cub200: same entry point, arguments and return shape."""
    dependencies = ["torch", "torchvision"]

    import torch
    from torch import nn
    from torchvision.models import resnet50

    CHECKPOINT_URL = "https://models.invalid/{CHECKPOINT_NAME}"
    BIRD_CLASSES = [f"{{i:03d}}.Bird_{{i}}" for i in range(1, 201)]


    class ResNetNts(nn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.backbone = resnet50(weights=None)
            self.backbone.fc = nn.Linear(self.backbone.fc.in_features, num_classes)

        def forward(self, x):
            logits = self.backbone(x)
            # NTS-Net answers (top_n_coordinates, concat_out, raw_logits, concat_logits, part_logits, top_n_index, top_n_prob)
            return None, logits, logits, logits, logits, None, None


    def ntsnet(pretrained=False, topN=6, device="cpu", num_classes=200):
        model = ResNetNts(num_classes)
        model.bird_classes = BIRD_CLASSES
        if pretrained:
            model.load_state_dict(torch.hub.load_state_dict_from_url(CHECKPOINT_URL, map_location=device, progress=False))
        return model.to(device)
''')


def make_resnet_hub(torch_home, seed=0):
    """Write the hub repository and a checkpoint of random weights (about 90 MiB) where torch.hub would cache them.

    Nothing is rewritten when both are there already (a ``--hub-dir`` kept between runs).
    """
    import torch  # pylint: disable=import-outside-toplevel
    from torch import nn  # pylint: disable=import-outside-toplevel
    from torchvision.models import resnet50  # pylint: disable=import-outside-toplevel

    hub = os.path.join(torch_home, "hub")
    repo = os.path.join(hub, "nicolalandro_ntsnet-cub200_master")
    checkpoint = os.path.join(hub, "checkpoints", CHECKPOINT_NAME)
    os.makedirs(repo, exist_ok=True)
    os.makedirs(os.path.dirname(checkpoint), exist_ok=True)
    hubconf = os.path.join(repo, "hubconf.py")
    if not os.path.exists(hubconf) or open(hubconf, encoding="utf-8").read() != HUBCONF:
        with open(hubconf, "w", encoding="utf-8") as f:
            f.write(HUBCONF)
    if not os.path.exists(checkpoint):
        torch.manual_seed(seed)
        backbone = resnet50(weights=None)
        backbone.fc = nn.Linear(backbone.fc.in_features, 200)
        state = {f"backbone.{name}": tensor for name, tensor in backbone.state_dict().items()}
        torch.save(state, checkpoint + ".partial")
        os.replace(checkpoint + ".partial", checkpoint)
    return checkpoint
