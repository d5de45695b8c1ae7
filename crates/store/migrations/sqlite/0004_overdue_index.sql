-- Unanswered matters by deadline: the workbench's "overdue" list walks this from the oldest
-- deadline, instead of sorting every open matter.
CREATE INDEX matters_unanswered_by_deadline ON matters(report_by, id)
    WHERE status IN ('registered', 'assigned', 'in_progress') AND report_by IS NOT NULL;
