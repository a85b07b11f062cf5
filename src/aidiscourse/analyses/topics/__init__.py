"""Topic models of the passages: LDA on counts and NMF on TF-IDF, K chosen by measures.

The steps, one module each (import from the modules; this file re-exports nothing):

* :mod:`~aidiscourse.analyses.topics.model`: the passage-term matrix, one fit, topic prevalence;
* :mod:`~aidiscourse.analyses.topics.measures`: coherence (NPMI, held out), stability over seeds;
* :mod:`~aidiscourse.analyses.topics.choice`: the rule that chooses one solution and the runner-up;
* :mod:`~aidiscourse.analyses.topics.selection`: the search over model families x K x seeds;
* :mod:`~aidiscourse.analyses.topics.search_cache`: the search's fits kept on disk
  (``.npz`` arrays and JSON, never a pickle);
* :mod:`~aidiscourse.analyses.topics.inspect`: reading the chosen fit (terms, proportions
  and their spread over seeds, distances, topic map, representative passages, model
  agreement, stop-word sensitivity);
* :mod:`~aidiscourse.analyses.topics.statements`: the chapter's statements about documents
  (dominant topic, nearest document, ...) and whether they hold under the runner-up;
* :mod:`~aidiscourse.analyses.topics.labels`: human labels from ``data/topic_labels.yml``.

The charts are in :mod:`aidiscourse.report.charts.topics`.
"""
