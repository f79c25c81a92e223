"""`ray` (the CLI) with a longer wait for the node to register with its GCS: `python patient_ray.py start --head ...`.

`ray start` gives a new node 30 s (a constant in `ray._private.node`) to appear in the GCS, which a machine
shared by many test runs can exceed; the tests' clusters wait up to NODE_REGISTER_SECONDS instead, by retrying
the lookup `Node` makes (`ray._private.services.get_node`). Nothing else of Ray is changed."""

from __future__ import annotations

import sys
import time
from typing import Any

NODE_REGISTER_SECONDS = 90.0


def be_patient() -> None:
    import ray._private.services as services

    if getattr(services.get_node, "patient", False):
        return
    original = services.get_node

    def get_node(gcs_address: Any, node_id: Any) -> Any:
        until = time.monotonic() + NODE_REGISTER_SECONDS
        while True:
            try:
                return original(gcs_address, node_id)
            except RuntimeError:
                if time.monotonic() > until:
                    raise
                time.sleep(1.0)

    get_node.patient = True  # type: ignore[attr-defined]
    services.get_node = get_node


if __name__ == "__main__":
    be_patient()
    from ray.scripts.scripts import main

    sys.argv[0] = "ray"
    sys.exit(main())
