// One registered model: what serves now, its versions (compare, evaluation, promote), roll back,
// and the promotion history.
import { Box, Button, Paper, Typography } from "@mui/material";
import { useState } from "react";
import { useCan } from "../../auth/store";
import { Empty } from "../../components/PageState";
import { CompareVersions } from "./CompareVersions";
import { rollbackTarget, type ModelVersion, type RegisteredModel } from "./modelData";
import { EvaluateDialog } from "./EvaluateDialog";
import { PromoteDialog } from "./PromoteDialog";
import { PromotionHistory } from "./PromotionHistory";
import { usePromotions } from "./queries";
import { RollbackDialog } from "./RollbackDialog";
import { VersionDetails } from "./VersionDetails";
import { VersionsTable } from "./VersionsTable";

export function ModelSection({
  model,
  onNotify,
}: {
  model: RegisteredModel;
  onNotify: (message: string) => void;
}) {
  const canPromote = useCan("promote:models");
  const canTrain = useCan("train:models");
  const promotions = usePromotions(model.name);
  const [selected, setSelected] = useState<string[]>([]);
  const [details, setDetails] = useState<string | null>(null);
  const [promoting, setPromoting] = useState<ModelVersion | null>(null);
  const [rollingBack, setRollingBack] = useState(false);
  const [evaluating, setEvaluating] = useState<string | null>(null);

  const toggle = (version: string) =>
    setSelected((s) => (s.includes(version) ? s.filter((v) => v !== version) : [...s, version]));
  const compared = model.versions.filter((v) => selected.includes(v.version));
  const previous = rollbackTarget(
    model.champion,
    promotions.data?.pages.flatMap((p) => p.items) ?? [],
    model.versions,
  );

  return (
    <Paper component="section" aria-labelledby={`model-${model.name}`} sx={{ p: 2, mb: 3 }}>
      <Box sx={{ display: "flex", alignItems: "flex-start", gap: 2, flexWrap: "wrap", mb: 2 }}>
        <Box sx={{ flex: 1, minWidth: 240 }}>
          <Typography id={`model-${model.name}`} variant="h2">
            {model.name} model
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Task {model.task} · registered as {model.registered_name}
          </Typography>
        </Box>
        <Box sx={{ textAlign: "right" }}>
          <Typography variant="body2" color="text.secondary">
            Serving now
          </Typography>
          <Typography variant="h2" component="p">
            {model.champion ? "Version " : ""}
            <span data-testid="serving-version">{model.champion ?? "Shipped default"}</span>
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Challenger: {model.challenger ? `v${model.challenger}` : "none"}
          </Typography>
        </Box>
        {canPromote && model.champion ? (
          <Button variant="outlined" color="warning" onClick={() => setRollingBack(true)}>
            Roll back
          </Button>
        ) : null}
      </Box>

      {model.versions.length ? (
        <>
          <VersionsTable
            model={model}
            selected={selected}
            onToggle={toggle}
            details={details}
            onDetails={(v) => setDetails((d) => (d === v ? null : v))}
            onPromote={setPromoting}
            canPromote={canPromote}
            onEvaluate={setEvaluating}
            canTrain={canTrain}
          />
          {compared.length === 1 ? (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }} role="status">
              Select another version to compare it with v{compared[0]?.version}.
            </Typography>
          ) : null}
          {compared.length >= 2 ? (
            <CompareVersions
              name={model.name}
              versions={compared}
              onClear={() => setSelected([])}
            />
          ) : null}
          {details ? (
            <VersionDetails name={model.name} version={details} onClose={() => setDetails(null)} />
          ) : null}
        </>
      ) : (
        <Empty title="No versions yet">
          The shipped default model is serving. Start a training run to register a first version.
        </Empty>
      )}

      <PromotionHistory name={model.name} />

      {promoting ? (
        <PromoteDialog
          model={model}
          version={promoting}
          onClose={() => setPromoting(null)}
          onDone={onNotify}
        />
      ) : null}
      {evaluating ? (
        <EvaluateDialog
          name={model.name}
          version={evaluating}
          onClose={() => setEvaluating(null)}
        />
      ) : null}
      {rollingBack ? (
        <RollbackDialog
          model={model}
          previous={previous}
          onClose={() => setRollingBack(false)}
          onDone={onNotify}
        />
      ) : null}
    </Paper>
  );
}
