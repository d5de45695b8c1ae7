-- "Waiting for my unit": a unit's open matters, counted without visiting its closed ones.
CREATE INDEX matters_by_lead_status ON matters(lead_unit_id, status, id);
