-- A unit's deadlines without walking the whole county's: the workbench asks for the deadlines
-- of the matters a unit leads, or of those placed in its subtree; with these, each is a short
-- range of its own (only open matters carry deadlines).
CREATE INDEX matters_deadline_by_lead ON matters(lead_unit_id, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX matters_deadline_by_place ON matters(unit_path, due_at) WHERE due_at IS NOT NULL;
