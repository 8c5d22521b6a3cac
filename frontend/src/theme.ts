import { createTheme } from "@mui/material/styles";

export const theme = createTheme({
  palette: {
    primary: { main: "#1e4fd8" },
    secondary: { main: "#6b3fd4" },
    // Darker than Material's defaults: text in these colours must read at 4.5:1 on white (WCAG AA).
    warning: { main: "#b45309" },
    info: { main: "#0b65a8" },
    success: { main: "#1b6e20" },
    background: { default: "#f5f6fa" },
  },
  shape: { borderRadius: 8 },
  typography: {
    fontFamily: "Roboto, system-ui, -apple-system, 'Segoe UI', sans-serif",
    h1: { fontSize: "1.6rem", fontWeight: 600 },
    h2: { fontSize: "1.25rem", fontWeight: 600 },
    h3: { fontSize: "1.05rem", fontWeight: 600 },
  },
  components: {
    MuiButton: { defaultProps: { disableElevation: true } },
    MuiPaper: { defaultProps: { variant: "outlined" } },
    // Read-only views (a member looking at admin settings) disable the fields; their labels
    // and hints must stay readable (4.5:1), not fade to Material's 38% grey.
    MuiFormHelperText: {
      styleOverrides: { root: { "&.Mui-disabled": { color: "rgba(0, 0, 0, 0.6)" } } },
    },
    MuiFormControlLabel: {
      styleOverrides: { label: { "&.Mui-disabled": { color: "rgba(0, 0, 0, 0.6)" } } },
    },
    MuiInputLabel: {
      styleOverrides: { root: { "&.Mui-disabled": { color: "rgba(0, 0, 0, 0.6)" } } },
    },
  },
});
