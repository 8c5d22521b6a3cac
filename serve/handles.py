"""The API's classifier backend over a Serve handle: overload becomes a 503 with Retry-After."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ray.exceptions import RayActorError, RayTaskError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError
from ray.serve.handle import DeploymentHandle

from models.contract import Classification
from store.errors import Retriable


class HandleClassifier:
    """Calls the `Classifier` deployment, routing an organization's model by multiplexed id."""

    def __init__(self, handle: DeploymentHandle[Any], *, background: bool = False) -> None:
        self.handle = handle
        # Background callers (the ingestion pipeline) get low-priority CPU on the replicas.
        self.method = "classify_background" if background else "classify"

    async def classify(
        self, texts: Sequence[str], *, model_id: str, review_threshold: float | None
    ) -> list[Classification]:
        handle = self.handle.options(multiplexed_model_id=model_id) if model_id else self.handle
        try:
            result: list[Classification] = await getattr(handle, self.method).remote(
                list(texts), review_threshold
            )
        except BackPressureError as exc:
            raise Retriable("the classifier is at capacity; retry shortly", retry_after=1) from exc
        except (DeploymentUnavailableError, RayActorError) as exc:
            raise Retriable("the classifier is restarting; retry shortly", retry_after=2) from exc
        except RayTaskError as exc:
            if isinstance(exc.cause, FileNotFoundError | ValueError):
                raise Retriable(
                    "the organization's model could not be loaded", retry_after=5
                ) from exc
            raise
        return result
