import { PageHeader } from "../../components/PageHeader";

export default function WorkflowsPage() {
  return <PageHeader title="Workflows" />;
}
