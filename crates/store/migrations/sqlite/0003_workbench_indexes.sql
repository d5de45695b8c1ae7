-- The workbench asks for a unit's open matters and for deadlines.
CREATE INDEX matters_by_lead ON matters(lead_unit_id, id);
CREATE INDEX matters_by_report_by ON matters(report_by);
