// /settings/users, /settings/api-keys, /settings/audit, /settings/organization: one tab each,
// the tab in the URL so each can be linked to and reloaded.
import { Box, Tab, Tabs } from "@mui/material";
import { Link, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { PageHeader } from "../../components/PageHeader";
import { ApiKeysTab } from "./ApiKeysTab";
import { AuditLogTab } from "./AuditLogTab";
import { OrganizationTab } from "./OrganizationTab";
import { UsersTab } from "./UsersTab";

const TABS = [
  { path: "users", label: "Users", element: <UsersTab /> },
  { path: "api-keys", label: "API keys", element: <ApiKeysTab /> },
  { path: "audit", label: "Audit log", element: <AuditLogTab /> },
  { path: "organization", label: "Organization", element: <OrganizationTab /> },
];

export default function SettingsPage() {
  const { pathname } = useLocation();
  const current = TABS.find((t) => pathname.split("/").includes(t.path))?.path ?? false;
  return (
    <Box>
      <PageHeader title="Settings" />
      <Tabs
        value={current}
        aria-label="Settings sections"
        sx={{ mb: 2, borderBottom: 1, borderColor: "divider" }}
      >
        {TABS.map((t) => (
          <Tab
            key={t.path}
            value={t.path}
            label={t.label}
            component={Link}
            to={`/settings/${t.path}`}
            data-testid={`settings-tab-${t.path}`}
          />
        ))}
      </Tabs>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        {TABS.map((t) => (
          <Route key={t.path} path={t.path} element={t.element} />
        ))}
        <Route path="*" element={<Navigate to="users" replace />} />
      </Routes>
    </Box>
  );
}
