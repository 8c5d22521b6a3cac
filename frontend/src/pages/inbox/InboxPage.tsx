import { PageHeader } from "../../components/PageHeader";

export default function InboxPage() {
  return <PageHeader title="Inbox" />;
}
