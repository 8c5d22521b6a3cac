"""The MLflow flavour of a Switchboard model: a pyfunc that classifies texts with its bundle.

Logged with every trained version (artifact `bundle`), so the registry holds a model anyone can
load with `mlflow.pyfunc.load_model("models:/<name>@champion")` and call on a DataFrame with a
`text` column; it answers `label` and `confidence` per row. A bundle without its own encoder
uses the shared one shipped in the `switchboard` package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.pyfunc


class BundleModel(mlflow.pyfunc.PythonModel):  # type: ignore[misc,name-defined]
    def load_context(self, context: Any) -> None:
        from training.evaluation import Scorer

        self.scorer = Scorer.load(Path(context.artifacts["bundle"]))

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        import pandas as pd

        texts = [str(t) for t in model_input["text"]]
        probabilities = self.scorer.probabilities(texts)
        best = probabilities.argmax(axis=1)
        return pd.DataFrame(
            {
                "label": [self.scorer.labels[i] for i in best],
                "confidence": probabilities.max(axis=1).astype(float),
            }
        )


def signature_and_example() -> tuple[Any, Any]:
    import pandas as pd
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    signature = ModelSignature(
        inputs=Schema([ColSpec("string", "text")]),
        outputs=Schema([ColSpec("string", "label"), ColSpec("double", "confidence")]),
    )
    example = pd.DataFrame({"text": ["I still have not received my new card."]})
    return signature, example
