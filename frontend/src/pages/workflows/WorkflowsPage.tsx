// /workflows: the list; /workflows?new=1 and /workflows?edit=<id>: the builder.
import AddIcon from "@mui/icons-material/Add";
import { Alert, Button, Snackbar } from "@mui/material";
import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useCan } from "../../auth/store";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/PageState";
import { useCatalog, useWorkflow } from "./queries";
import { WorkflowBuilder } from "./WorkflowBuilder";
import { WorkflowList } from "./WorkflowList";

type Notice = { severity: "success" | "error"; text: string };

export default function WorkflowsPage() {
  const canWrite = useCan("write:workflows");
  const [params, setParams] = useSearchParams();
  const editing = params.get("edit");
  const creating = params.get("new") !== null && canWrite;
  const catalog = useCatalog();
  const workflow = useWorkflow(editing);
  const [notice, setNotice] = useState<Notice | null>(null);

  const close = (message?: string) => {
    setParams({});
    if (message) setNotice({ severity: "success", text: message });
  };

  let body;
  if (creating) {
    body = (
      <QueryState query={catalog} loadingLabel="Loading the workflow builder…">
        {(c) => <WorkflowBuilder workflow={null} catalog={c} onClose={close} />}
      </QueryState>
    );
  } else if (editing) {
    body = (
      <QueryState query={catalog} loadingLabel="Loading the workflow builder…">
        {(c) => (
          <QueryState query={workflow} loadingLabel="Loading the workflow…">
            {(w) => (
              <WorkflowBuilder
                key={`${w.id}-${w.version}`}
                workflow={w}
                catalog={c}
                onClose={close}
              />
            )}
          </QueryState>
        )}
      </QueryState>
    );
  } else {
    body = (
      <>
        <PageHeader
          title="Workflows"
          subtitle="Rules that run on every new inbound message, in the order they were created."
          actions={
            canWrite ? (
              <Button
                variant="contained"
                startIcon={<AddIcon />}
                onClick={() => setParams({ new: "1" })}
              >
                New workflow
              </Button>
            ) : null
          }
        />
        <WorkflowList
          onOpen={(id) => setParams({ edit: id })}
          notify={(severity, text) => setNotice({ severity, text })}
        />
      </>
    );
  }
  return (
    <>
      {body}
      <Snackbar open={!!notice} autoHideDuration={6000} onClose={() => setNotice(null)}>
        {notice ? (
          <Alert severity={notice.severity} variant="filled" onClose={() => setNotice(null)}>
            {notice.text}
          </Alert>
        ) : undefined}
      </Snackbar>
    </>
  );
}
