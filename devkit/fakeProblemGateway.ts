import { randomUUID } from 'node:crypto';
import type { ProblemGateway } from '../api/gateways/problemGateway';
import { ProblemConflictError, ProblemNotFoundError } from '../api/gateways/problemGateway';
import { encodeProblemId, Problem, problemWorkflowId } from '../domain/problem';

/** An in-memory stand-in for the Temporal problem gateway, on the same domain rules as the workflow. */
export function createFakeProblemGateway() {
  const problems = new Map<string, Problem>();

  function find(id: string): Problem {
    const problem = problems.get(id);
    if (!problem) throw new ProblemNotFoundError(id);
    return problem;
  }

  const gateway: ProblemGateway = {
    async list(filter) {
      return [...problems.values()]
        .map((problem) => problem.view())
        .filter((view) => (!filter.status || view.status === filter.status) && (!filter.service || view.service === filter.service))
        .slice(0, filter.limit)
        .map((view) => ({ id: view.id, key: view.key, title: view.title, status: view.status, openedAt: view.openedAt, ...(view.service ? { service: view.service } : {}) }));
    },
    async get(id) {
      return problems.get(id)?.view();
    },
    async open(input) {
      const workflowId = problemWorkflowId(input.key);
      const open = [...problems.values()].find((problem) => problem.isOpen && problem.view().workflowId === workflowId);
      if (open) throw new ProblemConflictError(`an open problem already tracks ${input.key}: ${open.view().id}`, open.view());
      const id = encodeProblemId({ workflowId, runId: randomUUID() });
      const problem = new Problem({ id, workflowId, now: new Date(), ...input });
      for (const incident of input.incidents) problem.link(incident, new Date());
      problems.set(id, problem);
      return problem.view();
    },
    async recordAnalysis(id, input) {
      const problem = find(id);
      const refusal = problem.checkChange();
      if (refusal) throw new ProblemConflictError(refusal.message, problem.view());
      problem.recordAnalysis(input, new Date());
      return problem.view();
    },
    async close(id, input) {
      const problem = find(id);
      const refusal = problem.checkClose();
      if (refusal) throw new ProblemConflictError(refusal.message, problem.view());
      problem.close(input.by, new Date(), input.note);
      return problem.view();
    },
  };
  return { gateway, problems };
}
