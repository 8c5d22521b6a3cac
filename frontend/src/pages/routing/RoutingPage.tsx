import { PageHeader } from "../../components/PageHeader";

export default function RoutingPage() {
  return <PageHeader title="Routing" />;
}
