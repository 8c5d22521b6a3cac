import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router-dom";
import { RequireAuth } from "./auth/RequireAuth";
import { Layout } from "./components/Layout";
import { Loading } from "./components/PageState";
import { AcceptInvitationPage } from "./pages/auth/AcceptInvitationPage";
import { RegisterPage } from "./pages/auth/RegisterPage";
import { SignInPage } from "./pages/auth/SignInPage";
import { NotFoundPage } from "./pages/NotFoundPage";

// Each page is its own chunk: the inbox does not wait for the charts or the workflow canvas.
const InboxPage = lazy(() => import("./pages/inbox/InboxPage"));
const ConversationPage = lazy(() => import("./pages/conversation/ConversationPage"));
const IntegrationsPage = lazy(() => import("./pages/integrations/IntegrationsPage"));
const RoutingPage = lazy(() => import("./pages/routing/RoutingPage"));
const ModelsPage = lazy(() => import("./pages/models/ModelsPage"));
const WorkflowsPage = lazy(() => import("./pages/workflows/WorkflowsPage"));
const AnalyticsPage = lazy(() => import("./pages/analytics/AnalyticsPage"));
const SettingsPage = lazy(() => import("./pages/settings/SettingsPage"));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route path="/accept-invitation" element={<AcceptInvitationPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<Navigate to="/inbox" replace />} />
        <Route
          path="/inbox"
          element={
            <Page>
              <InboxPage />
            </Page>
          }
        />
        <Route
          path="/conversations/:id"
          element={
            <Page>
              <ConversationPage />
            </Page>
          }
        />
        <Route
          path="/integrations"
          element={
            <Page>
              <IntegrationsPage />
            </Page>
          }
        />
        <Route
          path="/routing"
          element={
            <Page>
              <RoutingPage />
            </Page>
          }
        />
        <Route
          path="/models"
          element={
            <Page>
              <ModelsPage />
            </Page>
          }
        />
        <Route
          path="/workflows"
          element={
            <Page>
              <WorkflowsPage />
            </Page>
          }
        />
        <Route
          path="/analytics"
          element={
            <Page>
              <AnalyticsPage />
            </Page>
          }
        />
        <Route
          path="/settings/*"
          element={
            <Page>
              <SettingsPage />
            </Page>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
