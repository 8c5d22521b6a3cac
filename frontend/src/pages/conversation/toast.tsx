// One snackbar for the conversation page: every mutation says whether it worked.
import { Alert, Snackbar } from "@mui/material";
import { createContext, useCallback, useContext, useState, type ReactNode } from "react";

type Severity = "success" | "error" | "info" | "warning";
type Notify = (message: string, severity?: Severity) => void;

const ToastContext = createContext<Notify>(() => undefined);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<{ message: string; severity: Severity; key: number }>();
  const notify = useCallback<Notify>(
    (message, severity = "success") => setNotice({ message, severity, key: Date.now() }),
    [],
  );
  const close = () => setNotice(undefined);
  return (
    <ToastContext.Provider value={notify}>
      {children}
      <Snackbar
        key={notice?.key}
        open={!!notice}
        autoHideDuration={notice?.severity === "error" ? 10_000 : 5_000}
        onClose={(_, reason) => {
          if (reason !== "clickaway") close();
        }}
        anchorOrigin={{ vertical: "bottom", horizontal: "center" }}
      >
        <Alert
          severity={notice?.severity ?? "info"}
          onClose={close}
          variant="filled"
          role={notice?.severity === "error" ? "alert" : "status"}
        >
          {notice?.message}
        </Alert>
      </Snackbar>
    </ToastContext.Provider>
  );
}

export function useNotify(): Notify {
  return useContext(ToastContext);
}
