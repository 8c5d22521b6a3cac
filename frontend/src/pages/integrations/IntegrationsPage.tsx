import { PageHeader } from "../../components/PageHeader";

export default function IntegrationsPage() {
  return <PageHeader title="Integrations" />;
}
