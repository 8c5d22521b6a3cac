"""POST /api/v1/classify: the local models' view of one text or a batch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.classify.schemas import (
    MAX_TEXT_BYTES,
    ClassifyBatchResponse,
    ClassifyRequest,
)
from api.deps import Principal, RuntimeDep, SessionDep, require
from models.contract import Classification
from store.errors import PayloadTooLarge, Retriable

router = APIRouter(prefix="/api/v1", tags=["classify"])
CanClassify = Annotated[Principal, Depends(require("classify"))]


def _check_sizes(texts: list[str]) -> None:
    for index, text in enumerate(texts):
        size = len(text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            raise PayloadTooLarge(
                f"text {index} is {size} bytes; the limit is {MAX_TEXT_BYTES}",
                details={"index": index, "bytes": size, "limit": MAX_TEXT_BYTES},
            )


@router.post(
    "/classify",
    response_model=Classification | ClassifyBatchResponse,
    summary="Classify one text ({text}) or up to 256 ({texts})",
)
async def classify(
    body: ClassifyRequest, principal: CanClassify, runtime: RuntimeDep, session: SessionDep
) -> Any:
    texts = body.all_texts()
    _check_sizes(texts)
    if runtime.classifier is None:
        raise Retriable("the classifier is not available", retry_after=5)
    org = await runtime.org_models.resolve(session, principal.org_id)
    results = await runtime.classifier.classify(
        texts, model_id=org.model_id, review_threshold=org.review_threshold
    )
    if body.text is not None:
        return results[0]
    return ClassifyBatchResponse(results=results)
