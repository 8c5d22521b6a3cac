// The frame of every signed-in page: the navigation, the live indicator and the account menu.
import AccountTreeIcon from "@mui/icons-material/AccountTree";
import AltRouteIcon from "@mui/icons-material/AltRoute";
import CableIcon from "@mui/icons-material/Cable";
import InboxIcon from "@mui/icons-material/Inbox";
import InsightsIcon from "@mui/icons-material/Insights";
import LogoutIcon from "@mui/icons-material/Logout";
import ModelTrainingIcon from "@mui/icons-material/ModelTraining";
import SettingsIcon from "@mui/icons-material/Settings";
import {
  AppBar,
  Box,
  Chip,
  Drawer,
  IconButton,
  List,
  ListItem,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  Toolbar,
  Tooltip,
  Typography,
} from "@mui/material";
import type { ReactNode } from "react";
import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../auth/store";
import { useSignOut } from "../auth/session";
import { useLiveInvalidation, useLiveStatus } from "../live/useLive";

const WIDTH = 220;

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  permission: string;
}

export const NAV: NavItem[] = [
  { to: "/inbox", label: "Inbox", icon: <InboxIcon />, permission: "read:conversations" },
  {
    to: "/integrations",
    label: "Integrations",
    icon: <CableIcon />,
    permission: "read:integrations",
  },
  { to: "/routing", label: "AI routing", icon: <AltRouteIcon />, permission: "read:routing" },
  { to: "/models", label: "Models", icon: <ModelTrainingIcon />, permission: "read:models" },
  { to: "/workflows", label: "Workflows", icon: <AccountTreeIcon />, permission: "read:workflows" },
  { to: "/analytics", label: "Analytics", icon: <InsightsIcon />, permission: "read:analytics" },
  { to: "/settings", label: "Settings", icon: <SettingsIcon />, permission: "read:users" },
];

function LiveIndicator() {
  const status = useLiveStatus();
  const color = status === "live" ? "success" : status === "connecting" ? "warning" : "default";
  const label = status === "live" ? "Live" : status === "connecting" ? "Connecting" : "Offline";
  return <Chip size="small" color={color} label={label} data-testid="live-status" />;
}

export function Layout() {
  const permissions = useAuth((s) => s.permissions);
  const user = useAuth((s) => s.user);
  const organization = useAuth((s) => s.organization);
  const signOut = useSignOut();
  useLiveInvalidation();
  return (
    <Box sx={{ display: "flex", minHeight: "100vh" }}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1 }} elevation={0}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography variant="h6" component="div" sx={{ fontWeight: 700 }}>
            Switchboard
          </Typography>
          <Typography variant="body2" sx={{ opacity: 0.85, flex: 1 }}>
            {organization?.name}
          </Typography>
          <LiveIndicator />
          <Typography variant="body2">{user?.name ?? user?.email}</Typography>
          <Tooltip title="Sign out">
            <IconButton color="inherit" aria-label="Sign out" onClick={() => void signOut()}>
              <LogoutIcon />
            </IconButton>
          </Tooltip>
        </Toolbar>
      </AppBar>
      <Drawer
        variant="permanent"
        sx={{
          width: WIDTH,
          flexShrink: 0,
          "& .MuiDrawer-paper": { width: WIDTH, boxSizing: "border-box" },
        }}
      >
        <Toolbar />
        <nav aria-label="Main">
          <List>
            {NAV.filter((item) => permissions.includes(item.permission)).map((item) => (
              <ListItem key={item.to} disablePadding>
                <ListItemButton
                  component={NavLink}
                  to={item.to}
                  sx={{ "&.active": { bgcolor: "action.selected" } }}
                >
                  <ListItemIcon sx={{ minWidth: 40 }}>{item.icon}</ListItemIcon>
                  <ListItemText primary={item.label} />
                </ListItemButton>
              </ListItem>
            ))}
          </List>
        </nav>
      </Drawer>
      <Box component="main" id="main" tabIndex={-1} sx={{ flex: 1, p: 3, minWidth: 0 }}>
        <Toolbar />
        <Outlet />
      </Box>
    </Box>
  );
}
