// The inbox's filters: status tabs, a debounced search box and the narrowing selects.
import SearchIcon from "@mui/icons-material/Search";
import {
  Autocomplete,
  Box,
  Button,
  FormControl,
  InputAdornment,
  InputLabel,
  MenuItem,
  Select,
  Tab,
  Tabs,
  TextField,
} from "@mui/material";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { capitalize, PRIORITIES, STATUSES, type Priority } from "./format";
import { hasNarrowingFilters, type InboxFilters, type StatusTab } from "./filters";
import { userLabel, type User } from "./lookups";

export const SEARCH_DEBOUNCE_MS = 300;

function SearchBox({
  value,
  onCommit,
}: {
  value: string | null;
  onCommit: (q: string | null) => void;
}) {
  const [draft, setDraft] = useState(value ?? "");
  const committed = useRef(value ?? "");
  // The URL changed under us (back button, "Clear filters"): show what it says.
  useEffect(() => {
    if ((value ?? "") !== committed.current) {
      committed.current = value ?? "";
      setDraft(value ?? "");
    }
  }, [value]);
  useEffect(() => {
    const next = draft.trim();
    if (next === committed.current) return;
    const timer = setTimeout(() => {
      committed.current = next;
      onCommit(next || null);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft, onCommit]);
  return (
    <TextField
      label="Search subjects"
      type="search"
      size="small"
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      sx={{ minWidth: 240, flex: 1 }}
      slotProps={{
        input: {
          startAdornment: (
            <InputAdornment position="start">
              <SearchIcon fontSize="small" aria-hidden />
            </InputAdornment>
          ),
        },
        htmlInput: { maxLength: 200 },
      }}
    />
  );
}

function LabelFilter({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string | null;
  options: string[];
  onChange: (value: string | null) => void;
}) {
  return (
    <Autocomplete
      freeSolo
      autoSelect
      size="small"
      options={options}
      value={value}
      onChange={(_, next) => onChange(next?.trim() || null)}
      sx={{ width: 170 }}
      renderInput={(params) => <TextField {...params} label={label} />}
    />
  );
}

function SelectFilter({
  id,
  label,
  value,
  onChange,
  children,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
}) {
  return (
    <FormControl size="small" sx={{ minWidth: 150 }}>
      <InputLabel id={`${id}-label`}>{label}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        label={label}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        {children}
      </Select>
    </FormControl>
  );
}

export function StatusTabs({
  value,
  onChange,
}: {
  value: StatusTab;
  onChange: (status: StatusTab) => void;
}) {
  return (
    <Tabs
      value={value}
      onChange={(_, next: StatusTab) => onChange(next)}
      aria-label="Conversation status"
      variant="scrollable"
      allowScrollButtonsMobile
    >
      {STATUSES.map((s) => (
        <Tab key={s} value={s} label={capitalize(s)} />
      ))}
      <Tab value="all" label="All" />
    </Tabs>
  );
}

export function InboxToolbar({
  filters,
  onChange,
  onSearch,
  channels,
  intents,
  categories,
  users,
}: {
  filters: InboxFilters;
  onChange: (patch: Partial<InboxFilters>) => void;
  onSearch: (q: string | null) => void;
  channels: string[];
  intents: string[];
  categories: string[];
  users: User[];
}) {
  const assigneeKnown =
    !filters.assignee ||
    filters.assignee === "me" ||
    filters.assignee === "none" ||
    users.some((u) => u.id === filters.assignee);
  return (
    <Box
      role="search"
      aria-label="Filter conversations"
      sx={{ display: "flex", flexWrap: "wrap", gap: 1.5, alignItems: "center", py: 2 }}
    >
      <SearchBox value={filters.q} onCommit={onSearch} />
      <SelectFilter
        id="inbox-priority"
        label="Priority"
        value={filters.priority ?? ""}
        onChange={(v) => onChange({ priority: (v || null) as Priority | null })}
      >
        <MenuItem value="">Any priority</MenuItem>
        {PRIORITIES.map((p) => (
          <MenuItem key={p} value={p}>
            {capitalize(p)}
          </MenuItem>
        ))}
      </SelectFilter>
      <SelectFilter
        id="inbox-channel"
        label="Channel"
        value={filters.channel ?? ""}
        onChange={(v) => onChange({ channel: v || null })}
      >
        <MenuItem value="">Any channel</MenuItem>
        {channels.map((c) => (
          <MenuItem key={c} value={c}>
            {c}
          </MenuItem>
        ))}
      </SelectFilter>
      <SelectFilter
        id="inbox-assignee"
        label="Assignee"
        value={filters.assignee ?? ""}
        onChange={(v) => onChange({ assignee: v || null })}
      >
        <MenuItem value="">Anyone</MenuItem>
        <MenuItem value="me">Assigned to me</MenuItem>
        <MenuItem value="none">Unassigned</MenuItem>
        {users.map((u) => (
          <MenuItem key={u.id} value={u.id}>
            {userLabel(u)}
          </MenuItem>
        ))}
        {assigneeKnown ? null : <MenuItem value={filters.assignee ?? ""}>Another user</MenuItem>}
      </SelectFilter>
      <LabelFilter
        label="Intent"
        value={filters.intent}
        options={intents}
        onChange={(intent) => onChange({ intent })}
      />
      <LabelFilter
        label="Category"
        value={filters.category}
        options={categories}
        onChange={(category) => onChange({ category })}
      />
      {hasNarrowingFilters(filters) ? (
        <Button
          onClick={() =>
            onChange({
              priority: null,
              channel: null,
              assignee: null,
              intent: null,
              category: null,
              q: null,
            })
          }
        >
          Clear filters
        </Button>
      ) : null}
    </Box>
  );
}
