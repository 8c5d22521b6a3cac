// Models (ML engineers): registered models and the version serving, versions side by side, a
// version's confusion matrix, training runs, promotion through the gate, and rollback.
import { Alert, Button, Snackbar, Tooltip } from "@mui/material";
import { useState } from "react";
import { useCan } from "../../auth/store";
import { PageHeader } from "../../components/PageHeader";
import { Empty, QueryState } from "../../components/PageState";
import { ModelSection } from "./ModelSection";
import { useModels } from "./queries";
import { TrainingDialog } from "./TrainingDialog";
import { TrainingRuns } from "./TrainingRuns";

export default function ModelsPage() {
  const canTrain = useCan("train:models");
  const models = useModels();
  const [training, setTraining] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <>
      <PageHeader
        title="Models"
        subtitle="Train, compare and promote the intent model that classifies your messages"
        actions={
          canTrain ? (
            <Button variant="contained" onClick={() => setTraining(true)}>
              Start training
            </Button>
          ) : (
            <Tooltip title="You need the train:models permission">
              <span>
                <Button variant="contained" disabled>
                  Start training
                </Button>
              </span>
            </Tooltip>
          )
        }
      />
      <QueryState query={models} loadingLabel="Loading models…">
        {(data) =>
          data.items.length ? (
            data.items.map((model) => (
              <ModelSection key={model.name} model={model} onNotify={setNotice} />
            ))
          ) : (
            <Empty title="No models registered" />
          )
        }
      </QueryState>
      <TrainingRuns />
      {canTrain ? (
        <TrainingDialog open={training} onClose={() => setTraining(false)} onStarted={setNotice} />
      ) : null}
      <Snackbar
        open={notice !== null}
        autoHideDuration={6000}
        onClose={() => setNotice(null)}
        anchorOrigin={{ vertical: "bottom", horizontal: "center" }}
      >
        <Alert severity="success" onClose={() => setNotice(null)} variant="filled">
          {notice}
        </Alert>
      </Snackbar>
    </>
  );
}
