import { PageHeader } from "../../components/PageHeader";

export default function ConversationPage() {
  return <PageHeader title="Conversation" />;
}
